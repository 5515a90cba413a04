"""The offline render: every stack renders and passes its checks, and each check catches a broken object."""

import copy
import json

import pytest
import yaml

from conftest import STACKS
from tools import checks, gke_api
from tools.render import main, render, write

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "kubeflow"},
           "spec": {"type": "ClusterIP", "selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": 8080}]}}


@pytest.fixture(scope="module")
def rendered_stacks(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    rendered = {}
    for stack in STACKS:
        rendered[stack] = render(stack)
        write(rendered[stack], out / stack)
    return out, rendered


def test_every_stack_renders_with_no_problems(rendered_stacks):
    _, rendered = rendered_stacks
    for stack, result in rendered.items():
        assert result.ok, (stack, result.problems)


def test_files_are_written_in_kubectl_and_gke_api_form(rendered_stacks):
    out, rendered = rendered_stacks
    prod = out / "prod"
    service = yaml.safe_load((prod / "kubernetes/kubeflow/service-llm-serving.yaml").read_text())
    assert list(service)[:3] == ["apiVersion", "kind", "metadata"]
    version_name = rendered["prod"].run.outputs["pipelineVersion"]
    version = yaml.safe_load((prod / f"kubernetes/kubeflow/pipelineversion-{version_name}.yaml").read_text())
    assert version["kind"] == "PipelineVersion"
    pool = json.loads((prod / "gke/nodepool-a100-mig.json").read_text())["nodePool"]
    assert pool["config"]["accelerators"] == [{
        "acceleratorType": "nvidia-tesla-a100", "acceleratorCount": "1", "gpuPartitionSize": "3g.20gb",
        "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}}]
    assert pool["autoscaling"]["enabled"] is True
    cluster = json.loads((prod / "gke/cluster.json").read_text())["cluster"]
    assert cluster["ipAllocationPolicy"]["useIpAliases"] is True
    assert "deletionProtection" not in cluster
    assert (prod / "pipeline/llm-serving.yaml").read_text() == rendered["prod"].compiled_pipeline
    assert not (out / "local" / "gke").exists()


def test_summary_says_where_the_gpu_task_lands_and_who_reaches_the_service(rendered_stacks):
    out, _ = rendered_stacks
    summary = (out / "prod" / "summary.txt").read_text()
    assert "task exec-gpu-task -> pool a100-mig" in summary
    assert "up to 8 nvidia.com/gpu (32 shared slots)" in summary
    assert "reachable by: only 203.0.113.0/24, 198.51.100.0/24" in summary
    assert "gcp:compute/address:Address llm-serving-address: address" in summary
    dev = (out / "dev" / "summary.txt").read_text()
    assert "clients in the VPC" in dev and "status.loadBalancer.ingress[0].ip" in dev


def test_the_command_renders_every_stack_and_fails_on_an_unknown_one(tmp_path, capsys):
    assert main(["--all", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(STACKS)
    assert main(["--stack", "nope", "--out", str(tmp_path)]) == 1
    assert "no stack file" in capsys.readouterr().err


def test_the_kubernetes_schema_check_catches_a_broken_manifest():
    broken = copy.deepcopy(SERVICE)
    broken["spec"]["ports"][0]["port"] = "eighty"
    broken["spec"]["selectr"] = {}
    problems = checks.check_kubernetes_schemas([SERVICE, broken], "1.34")
    assert len(problems) == 1 and problems[0].startswith("Service kubeflow/s: ")
    unknown = {"apiVersion": "v1", "kind": "Servic", "metadata": {"name": "s"}}
    assert "Couldn't find schema" in checks.check_kubernetes_schemas([unknown], "1.34")[0]


@pytest.fixture(scope="module")
def kfp_objects():
    rendered = render("dev")
    return [o for o in rendered.objects if o["apiVersion"] == checks.KFP_API_VERSION]


@pytest.mark.parametrize("breakage,message", [
    (lambda p, v: v["spec"].update(pipelineName="other"), "doesn't map to an existing Pipeline"),
    (lambda p, v: v["spec"].pop("pipelineName"), "spec.pipelineName is required"),
    (lambda p, v: v["spec"].pop("pipelineSpec"), "spec.pipelineSpec is required"),
    (lambda p, v: v["spec"]["pipelineSpec"].update(bogus=1), "is not a KFP PipelineSpec"),
    (lambda p, v: v["spec"]["pipelineSpec"]["pipelineInfo"].update(name="GPU Pipeline"), "pipelineInfo.name"),
    (lambda p, v: v["spec"]["platformSpec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
     ["exec-gpu-task"].update(nodeSelectr={}), "is not a KFP PlatformSpec"),
    (lambda p, v: v["metadata"].update(name="Version_1"), "DNS-1123 subdomain"),
    (lambda p, v: p["metadata"].update(name="GPU"), "must match ^[a-z0-9]"),
])
def test_the_kfp_check_applies_the_admission_webhooks_rules(kfp_objects, breakage, message):
    assert checks.check_kfp_resources(kfp_objects) == []
    pipeline, version = copy.deepcopy(kfp_objects)
    breakage(pipeline, version)
    problems = checks.check_kfp_resources([pipeline, version])
    assert any(message in p for p in problems), problems


def test_the_gke_check_catches_unknown_fields_and_values():
    inputs = render("prod").run.one("gcp:container/nodePool:NodePool", "l4-shared").inputs
    broken = copy.deepcopy(inputs)
    broken["nodeConfig"]["guestAccelerators"][0]["gpuSharingConfig"]["gpuSharingStrategy"] = "SLICING"
    broken["nodeConfig"]["taints"][0]["effect"] = "NoSchedule"
    broken["nodeConfig"]["gpuCount"] = 2
    broken["autoscaling"]["totalMaxNodeCount"] = "four"
    problems = []
    gke_api.checked_node_pool_request(broken, problems)
    assert any("gpuSharingStrategy: 'SLICING' is not one of" in p for p in problems)
    assert any("taints[0].effect: 'NoSchedule' is not one of" in p for p in problems)
    assert any("config.gpuCount: not a field of the GKE API's NodeConfig" in p for p in problems)
    assert any("autoscaling.totalMaxNodeCount: expected an integer" in p for p in problems)
    assert len(problems) == 4


def gpu_deployment(node_selector, tolerations, labels=None):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "kubeflow"},
            "spec": {"template": {"metadata": {"labels": labels or {"app": "x"}}, "spec": {
                "nodeSelector": node_selector, "tolerations": tolerations,
                "containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}}}


POOLS = [checks.GpuPool("gpu-pool", {"gpu_label": "true"}, [
    {"key": "gpu_label", "value": "true", "effect": "NoSchedule"},
    {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])]
TOLERATE_ALL = [{"key": "gpu_label", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
                {"key": "nvidia.com/gpu", "operator": "Exists"}]


def test_the_placement_check_catches_a_gpu_pod_that_misses_the_pool():
    assert checks.check_gpu_placement([gpu_deployment({"gpu_label": "true"}, TOLERATE_ALL)], POOLS) == []
    unselected = checks.check_gpu_placement([gpu_deployment({}, TOLERATE_ALL)], POOLS)
    assert "selects no GPU pool" in unselected[0]
    untolerated = checks.check_gpu_placement([gpu_deployment({"gpu_label": "true"}, TOLERATE_ALL[:1])], POOLS)
    assert "does not tolerate gpu-pool: nvidia.com/gpu=present:NoSchedule" in untolerated[0]


def test_the_placement_check_reads_the_registered_pipeline(kfp_objects):
    pipeline, version = copy.deepcopy(kfp_objects)
    executor = version["spec"]["platformSpec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"][
        "exec-gpu-task"]
    executor["tolerations"] = executor["tolerations"][1:]
    problems = checks.check_gpu_placement([pipeline, version], POOLS)
    assert "task exec-gpu-task: selects gpu-pool but does not tolerate gpu-pool: gpu_label=true" in problems[0]


def test_the_service_check_catches_a_service_that_routes_nowhere(kfp_objects):
    selecting_the_task = copy.deepcopy(SERVICE)
    selecting_the_task["spec"]["selector"] = {"app": "gpu-node-pipeline"}
    assert checks.check_services_select_something([*kfp_objects, selecting_the_task]) == []
    problems = checks.check_services_select_something([*kfp_objects, SERVICE])
    assert "selector {'app': 'x'} matches no pod template or pipeline task in kubeflow" in problems[0]
    assert checks.check_services_select_something([SERVICE, gpu_deployment({}, [])]) == []
