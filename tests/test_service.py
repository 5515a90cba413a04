"""The Service routes to the GPU task's pods, and opens nothing to the internet unless written out."""

import pytest
import yaml

from conftest import MINIMAL, assert_rejected, defaults_run, stack_run
from pipeline_docs import parse_compiled
from tools.mock_engine import run_program

SERVICE = "kubernetes:core/v1:Service"
ADDRESS = "gcp:compute/address:Address"
VERSION = "kubernetes:pipelines.kubeflow.org/v2beta1:PipelineVersion"
INTERNAL = "networking.gke.io/load-balancer-type"


def gpu_task_pod(run):
    """The GPU task's pod labels and PORT, read back from the registered PipelineVersion."""
    spec = run.one(VERSION).inputs["spec"]
    _, executors = parse_compiled(yaml.safe_dump_all([spec["pipelineSpec"], spec["platformSpec"]]))
    container = spec["pipelineSpec"]["deploymentSpec"]["executors"]["exec-gpu-task"]["container"]
    port = next(int(e["value"]) for e in container["env"] if e["name"] == "PORT")
    return dict(executors["exec-gpu-task"].pod_metadata.labels), port


@pytest.mark.parametrize("stack", ["dev", "prod", "local", "defaults"])
def test_the_service_selects_exactly_the_gpu_tasks_pod_labels_and_port(stack):
    run = defaults_run() if stack == "defaults" else stack_run(stack)
    service = run.one(SERVICE).inputs
    labels, port = gpu_task_pod(run)
    assert service["spec"]["selector"] == labels
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [port]
    assert all(p["protocol"] == "TCP" for p in service["spec"]["ports"])
    assert service["metadata"]["namespace"] == run.one(VERSION).inputs["metadata"]["namespace"]


@pytest.mark.parametrize("stack", ["dev", "prod", "local", "defaults"])
def test_no_stack_opens_an_external_load_balancer_without_source_ranges(stack):
    run = defaults_run() if stack == "defaults" else stack_run(stack)
    for service in run.of_type(SERVICE):
        spec, annotations = service.inputs["spec"], service.inputs["metadata"].get("annotations", {})
        if spec["type"] == "LoadBalancer" and annotations.get(INTERNAL) != "Internal":
            assert spec.get("loadBalancerSourceRanges"), service.name


def test_the_seeds_defaults_give_the_seeds_service_made_safe():
    run = defaults_run()
    service = run.one(SERVICE).inputs
    assert service["metadata"]["name"] == "gpu-node-pipeline-service"
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["selector"] == {"app": "gpu-node-pipeline"}
    assert service["spec"]["ports"] == [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert service["metadata"]["annotations"] == {INTERNAL: "Internal"}
    assert run.outputs["serviceEndpoint"].startswith("http://10.")


def test_existing_mode_defaults_to_a_node_port():
    run = run_program({"gpu-kubeflow:cluster": {"mode": "existing"}})
    service = run.one(SERVICE).inputs
    assert service["spec"]["type"] == "NodePort"
    assert INTERNAL not in service["metadata"].get("annotations", {})
    assert stack_run("local").outputs["serviceEndpoint"] == "http://<node-address>:30080"


def test_source_ranges_and_a_pinned_static_address():
    run = stack_run("prod")
    service = run.one(SERVICE)
    address = run.one(ADDRESS)
    assert service.inputs["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24", "198.51.100.0/24"]
    assert address.inputs["addressType"] == "EXTERNAL" and address.inputs["region"] == "us-central1"
    assert service.inputs["spec"]["loadBalancerIP"] == "203.0.113.20"
    assert address.urn in service.dependencies
    assert run.outputs["serviceEndpoint"] == "http://203.0.113.20:80"


def test_an_internal_static_address_is_internal():
    run = run_program({**MINIMAL, "gpu-kubeflow:service": {"staticIp": True}})
    assert run.one(ADDRESS).inputs["addressType"] == "INTERNAL"


def test_opening_to_the_world_works_when_written_out():
    run = run_program({**MINIMAL, "gpu-kubeflow:service": {"internal": False, "sourceRanges": ["0.0.0.0/0"]}})
    assert run.one(SERVICE).inputs["spec"]["loadBalancerSourceRanges"] == ["0.0.0.0/0"]


def test_cluster_ip_and_disabled():
    run = run_program({**MINIMAL, "gpu-kubeflow:service": {"type": "ClusterIP"}})
    assert run.outputs["serviceEndpoint"] == "http://gpu-node-pipeline-service.kubeflow.svc.cluster.local:80"
    run = run_program({**MINIMAL, "gpu-kubeflow:service": {"enabled": False}})
    assert run.of_type(SERVICE) == [] and "serviceEndpoint" not in run.outputs


EXISTING = {"gpu-kubeflow:cluster": {"mode": "existing"}}


def with_service(base=MINIMAL, **fields):
    return {**base, "gpu-kubeflow:service": fields}


CASES = {
    "unknown key": (with_service(sourceRange=["10.0.0.0/8"]), "gpu-kubeflow:service.sourceRange", "unknown key"),
    "unknown type": (with_service(type="Ingress"), "gpu-kubeflow:service.type", "LoadBalancer, NodePort, ClusterIP"),
    "external without source ranges": (with_service(internal=False), "gpu-kubeflow:service.sourceRanges",
                                       "sourceRanges: [0.0.0.0/0]"),
    "existing LoadBalancer without source ranges": (with_service(EXISTING, type="LoadBalancer"),
                                                    "gpu-kubeflow:service.sourceRanges", "deliberately"),
    "bad CIDR": (with_service(internal=False, sourceRanges=["203.0.113.0/33"]),
                 "gpu-kubeflow:service.sourceRanges[0]", "CIDR"),
    "CIDR with host bits": (with_service(internal=False, sourceRanges=["203.0.113.7/24"]),
                            "gpu-kubeflow:service.sourceRanges[0]", "host bits"),
    "source ranges on a NodePort": (with_service(type="NodePort", sourceRanges=["10.0.0.0/8"]),
                                    "gpu-kubeflow:service.sourceRanges", "only a LoadBalancer"),
    "port out of range": (with_service(port=0), "gpu-kubeflow:service.port", "from 1 to 65535"),
    "node port out of the cluster's range": (with_service(type="NodePort", nodePort=8080),
                                             "gpu-kubeflow:service.nodePort", "from 30000 to 32767"),
    "node port on a LoadBalancer": (with_service(nodePort=30080), "gpu-kubeflow:service.nodePort", "NodePort"),
    "static IP in existing mode": (with_service(EXISTING, type="LoadBalancer", staticIp=True,
                                                sourceRanges=["10.0.0.0/8"]),
                                   "gpu-kubeflow:service.staticIp", "only in gke mode"),
    "internal in existing mode": (with_service(EXISTING, type="LoadBalancer", internal=True),
                                  "gpu-kubeflow:service.internal", "only in gke mode"),
    "internal on a NodePort": (with_service(type="NodePort", internal=True), "gpu-kubeflow:service.internal",
                               "LoadBalancer"),
    "enabled not a bool": (with_service(enabled="false"), "gpu-kubeflow:service.enabled", "true or false"),
    "source ranges not a list": (with_service(internal=False, sourceRanges="10.0.0.0/8"),
                                 "gpu-kubeflow:service.sourceRanges", "list of strings"),
    "bad name": (with_service(name="GPU_Service"), "gpu-kubeflow:service.name", "Service name"),
}


@pytest.mark.parametrize("config,path,allowed", CASES.values(), ids=CASES.keys())
def test_bad_service_settings_are_rejected(config, path, allowed):
    assert_rejected(config, path, allowed)
