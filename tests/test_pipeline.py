"""The seed's pipeline on KFP v2: its GPU task holds GPUs and lands only on its pool, byte-identically."""

import os
import subprocess
import sys

import pytest

from conftest import MINIMAL, ROOT, STACKS, assert_rejected, defaults_run
from pipeline_docs import parse_compiled
from pipelines.gpu_pipeline import compile_for_stack
from settings import load_settings
from tools.mock_engine import stack_file_config


def compiled_for(config):
    settings = load_settings(config)
    return settings, compile_for_stack(settings)


@pytest.fixture(scope="module", params=STACKS + ["defaults"])
def compiled(request):
    config = dict(MINIMAL) if request.param == "defaults" else stack_file_config(request.param)
    settings, text = compiled_for(config)
    return settings, text, *parse_compiled(text)


def test_the_gpu_task_holds_gpus_and_lands_only_on_its_pool(compiled):
    settings, _, spec, executors = compiled
    container = spec.deployment_spec.fields["executors"].struct_value.fields["exec-gpu-task"].struct_value \
        .fields["container"].struct_value.fields
    accelerator = container["resources"].struct_value.fields["accelerator"].struct_value.fields
    assert accelerator["resourceType"].string_value == "nvidia.com/gpu"
    assert accelerator["resourceCount"].string_value == str(settings.pipeline.gpus)
    assert container["image"].string_value == settings.pipeline.image
    assert [v.string_value for v in container["command"].list_value.values] == list(settings.pipeline.command)
    env = {e.struct_value.fields["name"].string_value: e.struct_value.fields["value"].string_value
           for e in container["env"].list_value.values}
    assert env["PORT"] == str(settings.pipeline.port)

    gpu_task = executors["exec-gpu-task"]
    pool = settings.pool(settings.pipeline.pool)
    assert dict(gpu_task.node_selector.labels) == dict(pool.labels)
    tolerated = {(t.key, t.operator, t.value, t.effect) for t in gpu_task.tolerations}
    for taint in pool.taints:
        assert (taint.key, "Equal", taint.value, taint.effect) in tolerated
    if settings.cluster.is_gke:
        assert ("nvidia.com/gpu", "Equal", "present", "NoSchedule") in tolerated
    assert gpu_task.pod_metadata.labels["app"] == settings.pipeline.name
    assert spec.pipeline_info.name == settings.pipeline.name


def test_defaults_are_the_seeds_pipeline():
    settings, text = compiled_for(dict(MINIMAL))
    spec, executors = parse_compiled(text)
    assert spec.pipeline_info.name == "gpu-node-pipeline"
    assert spec.pipeline_info.description == "Pipeline that schedules a pod on a specific GPU node"
    assert dict(executors["exec-gpu-task"].node_selector.labels) == {"gpu_label": "true"}
    assert "your-docker-image" in text and "your_script.py" in text


def test_resources_and_extra_pod_labels_reach_the_task():
    settings, text = compiled_for(stack_file_config("prod"))
    spec, executors = parse_compiled(text)
    resources = spec.deployment_spec.fields["executors"].struct_value.fields["exec-gpu-task"].struct_value \
        .fields["container"].struct_value.fields["resources"].struct_value.fields
    assert resources["cpuLimit"].number_value == 8
    assert resources["memoryRequest"].number_value == 32 * 2**30 / 1e9
    assert dict(executors["exec-gpu-task"].pod_metadata.labels) == {"app": "llm-serving", "team": "ml-platform"}


def test_the_program_compiles_the_pipeline_of_its_stack():
    assert defaults_run().outputs["pipelineName"] == "gpu-node-pipeline"


def test_compile_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    outputs = []
    for seed in ("0", "4242"):
        out = tmp_path / f"seed-{seed}.yaml"
        subprocess.run([sys.executable, "-m", "pipelines", "compile", "--stack", "prod", "-o", str(out)],
                       cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].decode() == compiled_for(stack_file_config("prod"))[1]


def test_compile_command_reports_bad_settings():
    result = subprocess.run([sys.executable, "-m", "pipelines", "compile", "--stack", "nope"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "no stack file stacks/Pulumi.nope.yaml" in result.stderr


def with_pipeline(pools=None, **fields):
    config = {**MINIMAL, "gpu-kubeflow:pipeline": fields}
    if pools:
        config["gpu-kubeflow:gpuPools"] = pools
    return config


SHARED = [{"name": "shared", "sharing": {"strategy": "TIME_SHARING", "maxSharedClientsPerGpu": 2}}]
MIG = [{"name": "mig", "acceleratorType": "nvidia-tesla-a100", "machineType": "a2-highgpu-2g",
        "migPartitionSize": "3g.20gb"}]

CASES = {
    "unknown key": (with_pipeline(gpu=1), "gpu-kubeflow:pipeline.gpu", "unknown key"),
    "name syntax": (with_pipeline(name="GPU_Pipeline"), "gpu-kubeflow:pipeline.name", "^[a-z0-9][a-z0-9-]{0,127}$"),
    "name too long for its pod label": (with_pipeline(name="p" * 64), "gpu-kubeflow:pipeline.name", "63"),
    "unknown pool": (with_pipeline(pool="tpu-pool"), "gpu-kubeflow:pipeline.pool", "gpu-pool"),
    "more GPUs than a node has": (with_pipeline(gpus=2), "gpu-kubeflow:pipeline.gpus", "at most 1 GPUs"),
    "more MIG partitions than a node has": (with_pipeline(MIG, gpus=5), "gpu-kubeflow:pipeline.gpus",
                                            "at most 4 3g.20gb partitions"),
    "more than one shared GPU": (with_pipeline(SHARED, gpus=2), "gpu-kubeflow:pipeline.gpus", "at most one shared"),
    "zero GPUs": (with_pipeline(gpus=0), "gpu-kubeflow:pipeline.gpus", "1 or more"),
    "port out of range": (with_pipeline(port=70000), "gpu-kubeflow:pipeline.port", "from 1 to 65535"),
    "empty image": (with_pipeline(image=" "), "gpu-kubeflow:pipeline.image", "image reference"),
    "empty command": (with_pipeline(command=[]), "gpu-kubeflow:pipeline.command", "non-empty"),
    "command not a list": (with_pipeline(command="python x.py"), "gpu-kubeflow:pipeline.command", "list of strings"),
    "bad cpu": (with_pipeline(resources={"cpu": "four"}), "gpu-kubeflow:pipeline.resources.cpu", "500m"),
    "bad memory": (with_pipeline(resources={"memory": "16GB"}), "gpu-kubeflow:pipeline.resources.memory", "16Gi"),
    "unknown resource": (with_pipeline(resources={"gpu": "1"}), "gpu-kubeflow:pipeline.resources.gpu", "unknown key"),
    "bad pod label": (with_pipeline(podLabels={"team name": "ml"}), "gpu-kubeflow:pipeline.podLabels.team name",
                      "label key"),
    "args not a list": (with_pipeline(args="--port 8000"), "gpu-kubeflow:pipeline.args", "list of strings"),
    "description not a string": (with_pipeline(description=["a"]), "gpu-kubeflow:pipeline.description",
                                 "expected a string"),
    "app pod label": (with_pipeline(podLabels={"app": "other"}), "gpu-kubeflow:pipeline.podLabels.app",
                      "always the pipeline name"),
}


@pytest.mark.parametrize("config,path,allowed", CASES.values(), ids=CASES.keys())
def test_bad_pipeline_settings_are_rejected_before_anything_is_declared(config, path, allowed):
    assert_rejected(config, path, allowed)
