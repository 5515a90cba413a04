"""Kubeflow Pipelines from its pinned upstream sources, and the GPU pipeline registered as its custom resources."""

import pytest
import yaml

from conftest import MINIMAL, assert_rejected, stack_run
from pipelines.gpu_pipeline import compile_for_stack
from settings import load_settings
from tools.mock_engine import run_program, stack_file_config

CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
DIRECTORY = "kubernetes:kustomize/v2:Directory"
PIPELINE = "kubernetes:pipelines.kubeflow.org/v2beta1:Pipeline"
VERSION = "kubernetes:pipelines.kubeflow.org/v2beta1:PipelineVersion"
GPU_POOL = "gpu-kubeflow:index:GpuNodePool"


def directory(run, folder):
    return next(r for r in run.of_type(DIRECTORY) if f"/manifests/kustomize/{folder}?" in r.inputs["directory"])


def test_kfp_comes_from_the_pinned_upstream_release():
    run = stack_run("dev")
    cert_manager = run.one(CONFIG_FILE)
    assert cert_manager.inputs["file"] == \
        "https://github.com/cert-manager/cert-manager/releases/download/v1.19.4/cert-manager.yaml"
    assert directory(run, "env/cert-manager/cluster-scoped-resources").inputs["directory"] == \
        "https://github.com/kubeflow/pipelines//manifests/kustomize/env/cert-manager/cluster-scoped-resources?ref=2.17.0"
    assert directory(run, "env/cert-manager/platform-agnostic-k8s-native").inputs["directory"] == \
        "https://github.com/kubeflow/pipelines//manifests/kustomize/env/cert-manager/platform-agnostic-k8s-native" \
        "?ref=2.17.0"


def test_versions_come_from_settings():
    run = run_program({**MINIMAL, "gpu-kubeflow:kubeflow": {"version": "2.15.0", "certManagerVersion": "v1.18.2"}})
    assert "v1.18.2/cert-manager.yaml" in run.one(CONFIG_FILE).inputs["file"]
    assert all(d.inputs["directory"].endswith("?ref=2.15.0") for d in run.of_type(DIRECTORY))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_install_order_is_explicit(stack):
    run = stack_run(stack)
    cert_manager = run.one(CONFIG_FILE)
    cluster_scoped = directory(run, "env/cert-manager/cluster-scoped-resources")
    k8s_native = directory(run, "env/cert-manager/platform-agnostic-k8s-native")
    pipeline, version = run.one(PIPELINE), run.one(VERSION)
    assert run.depends_on(cluster_scoped, cert_manager)
    assert run.depends_on(k8s_native, cert_manager) and run.depends_on(k8s_native, cluster_scoped)
    assert run.depends_on(pipeline, k8s_native)
    assert run.depends_on(version, pipeline) and run.depends_on(version, k8s_native)
    assert not run.depends_on(cert_manager, k8s_native)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_kfp_does_not_wait_on_the_gpu_pools(stack):
    run = stack_run(stack)
    gpu_pools = [r for r in run.resources if r.type == GPU_POOL or
                 any(a.type == GPU_POOL for a in run.ancestors(r))]
    assert gpu_pools
    for resource in run.of_type(CONFIG_FILE) + run.of_type(DIRECTORY) + run.of_type(PIPELINE) + run.of_type(VERSION):
        for node in [resource, run.by_urn(resource.provider_urn)]:
            assert not any(run.depends_on(node, pool) for pool in gpu_pools), node.name


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_the_version_holds_exactly_the_compiled_pipeline(stack):
    run = stack_run(stack)
    settings = load_settings(stack_file_config(stack))
    pipeline_spec, platform_spec = yaml.safe_load_all(compile_for_stack(settings))
    version = run.one(VERSION).inputs
    assert version["spec"]["pipelineSpec"] == pipeline_spec
    assert version["spec"]["platformSpec"] == platform_spec
    assert version["spec"]["pipelineName"] == settings.pipeline.name
    assert version["metadata"]["namespace"] == settings.kubeflow.namespace
    pipeline = run.one(PIPELINE).inputs
    assert pipeline["metadata"] == {"name": settings.pipeline.name, "namespace": settings.kubeflow.namespace}
    assert run.outputs["pipelineName"] == settings.pipeline.name
    assert run.outputs["pipelineVersion"] == version["metadata"]["name"]


def test_an_unchanged_pipeline_keeps_its_version_and_a_changed_one_gets_another():
    first = stack_run("dev").outputs["pipelineVersion"]
    again = run_program(stack_file_config("dev"), "dev").outputs["pipelineVersion"]
    assert first == again and first.startswith("gpu-node-pipeline-")
    changed = stack_file_config("dev")
    changed["gpu-kubeflow:pipeline"] = {**changed["gpu-kubeflow:pipeline"], "image": "your-docker-image:2"}
    assert run_program(changed, "dev").outputs["pipelineVersion"] != first


def test_existing_kfp_gets_only_the_registration():
    run = stack_run("local")
    assert run.of_type(CONFIG_FILE) == [] and run.of_type(DIRECTORY) == []
    assert run.one(VERSION).dependencies == [run.one(PIPELINE).urn]


CASES = {
    "unknown key": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"verison": "2.17.0"}}, "gpu-kubeflow:kubeflow.verison",
                    "unknown key"),
    "version not a release tag": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"version": "latest"}},
                                  "gpu-kubeflow:kubeflow.version", "release tag"),
    "version with a v": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"version": "v2.17.0"}},
                         "gpu-kubeflow:kubeflow.version", "2.17.0"),
    "version before k8s-native mode": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"version": "2.4.1"}},
                                       "gpu-kubeflow:kubeflow.version", "2.5.0 or later"),
    "cert-manager version not a tag": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"certManagerVersion": "1.19"}},
                                       "gpu-kubeflow:kubeflow.certManagerVersion", "v1.19.4"),
    "install not a bool": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"install": "yes"}}, "gpu-kubeflow:kubeflow.install",
                           "true or false"),
    "bad namespace": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"install": False, "namespace": "Kubeflow"}},
                      "gpu-kubeflow:kubeflow.namespace", "namespace name"),
    "other namespace when installing": ({**MINIMAL, "gpu-kubeflow:kubeflow": {"namespace": "ml"}},
                                        "gpu-kubeflow:kubeflow.namespace", "install: false"),
}


@pytest.mark.parametrize("config,path,allowed", CASES.values(), ids=CASES.keys())
def test_bad_kubeflow_settings_are_rejected(config, path, allowed):
    assert_rejected(config, path, allowed)
