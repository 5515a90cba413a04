"""Each rule rejects its bad input with the key path, the value and what is allowed, and nothing is declared."""


import pytest

from conftest import MINIMAL, assert_rejected
from settings import SettingsError
from tools.mock_engine import run_program

POOL = {"name": "gpu-pool", "machineType": "g2-standard-8", "acceleratorType": "nvidia-l4"}


def with_pool(**fields):
    return {**MINIMAL, "gpu-kubeflow:gpuPools": [{**POOL, **fields}]}


def with_cluster(**fields):
    return {**MINIMAL, "gpu-kubeflow:cluster": fields}


CASES = {
    "unknown top-level key": ({**MINIMAL, "gpu-kubeflow:gpuPool": []}, "gpu-kubeflow:gpuPool", "unknown key"),
    "unknown cluster key": (with_cluster(nam="x"), "gpu-kubeflow:cluster.nam", "unknown key 'nam'"),
    "unknown pool key": (with_pool(acceleratorCont=1), "gpu-kubeflow:gpuPools[0].acceleratorCont",
                         "unknown key"),
    "wrong type": (with_pool(minNodes="0"), "gpu-kubeflow:gpuPools[0].minNodes", "expected a whole number"),
    "label value not a string": (with_pool(labels={"gpu_label": True}), "gpu-kubeflow:gpuPools[0].labels",
                                 "quote values"),
    "pools not a list": ({**MINIMAL, "gpu-kubeflow:gpuPools": {"name": "x"}}, "gpu-kubeflow:gpuPools",
                         "expected a list"),
    "no pools": ({**MINIMAL, "gpu-kubeflow:gpuPools": []}, "gpu-kubeflow:gpuPools", "at least one"),
    "unknown mode": (with_cluster(mode="eks"), "gpu-kubeflow:cluster.mode", "gke, existing"),
    "bad release channel": (with_cluster(releaseChannel="FAST"), "gpu-kubeflow:cluster.releaseChannel",
                            "RAPID, REGULAR, STABLE"),
    "bad cluster name": (with_cluster(name="GPU_cluster"), "gpu-kubeflow:cluster.name", "GKE name"),
    "no project": ({"gcp:region": "us-central1"}, "gcp:project", "pulumi config set gcp:project"),
    "no location": ({"gcp:project": "my-project"}, "gpu-kubeflow:cluster.location", "gcp:region"),
    "bad location": (with_cluster(location="central"), "gpu-kubeflow:cluster.location", "region"),
    "context in gke mode": (with_cluster(kubeconfigContext="kind"), "gpu-kubeflow:cluster.kubeconfigContext",
                            "only existing mode"),
    "node location outside region": (with_cluster(nodeLocations=["us-central1-a", "europe-west4-b"]),
                                     "gpu-kubeflow:cluster.nodeLocations[1]", "us-central1"),
    "node location outside zonal cluster's region": (
        with_cluster(location="us-east1-b", nodeLocations=["us-central1-a"]),
        "gpu-kubeflow:cluster.nodeLocations[0]", "us-east1"),
    "unknown accelerator": (with_pool(acceleratorType="nvidia-rtx-4090"), "gpu-kubeflow:gpuPools[0].acceleratorType",
                            "nvidia-l4"),
    "L4 on an A2 machine": (with_pool(machineType="a2-highgpu-1g"), "gpu-kubeflow:gpuPools[0].machineType",
                            "g2-standard-8"),
    "A100 on a G2 machine": (with_pool(acceleratorType="nvidia-tesla-a100"), "gpu-kubeflow:gpuPools[0].machineType",
                             "a2-highgpu-1g"),
    "H100 on an A2 machine": (with_pool(acceleratorType="nvidia-h100-80gb", machineType="a2-highgpu-8g"),
                              "gpu-kubeflow:gpuPools[0].machineType", "a3-highgpu-8g"),
    "H200 on an A3 high machine": (with_pool(acceleratorType="nvidia-h200-141gb", machineType="a3-highgpu-8g"),
                                   "gpu-kubeflow:gpuPools[0].machineType", "a3-ultragpu-8g"),
    "count the machine does not offer": (with_pool(acceleratorCount=2), "gpu-kubeflow:gpuPools[0].acceleratorCount",
                                         "g2-standard-8 offers 1"),
    "T4 count over the N1 vCPU ceiling": (
        with_pool(acceleratorType="nvidia-tesla-v100", machineType="n1-standard-16", acceleratorCount=1),
        "gpu-kubeflow:gpuPools[0].acceleratorCount", "n1-standard-16 offers 2 or 4"),
    "N1 machine too large for the GPU": (
        with_pool(acceleratorType="nvidia-tesla-v100", machineType="n1-standard-96", acceleratorCount=1),
        "gpu-kubeflow:gpuPools[0].acceleratorCount", "offers 8"),
    "bad driver version": (with_pool(driverVersion="535"), "gpu-kubeflow:gpuPools[0].driverVersion",
                           "DEFAULT, LATEST, INSTALLATION_DISABLED"),
    "MIG on a GPU without MIG": (with_pool(migPartitionSize="1g.10gb"), "gpu-kubeflow:gpuPools[0].migPartitionSize",
                                 "nvidia-l4 has no multi-instance GPU"),
    "MIG size not of that GPU": (
        with_pool(acceleratorType="nvidia-tesla-a100", machineType="a2-highgpu-1g", migPartitionSize="1g.10gb"),
        "gpu-kubeflow:gpuPools[0].migPartitionSize", "1g.5gb"),
    "MPS with MIG": (
        with_pool(acceleratorType="nvidia-tesla-a100", machineType="a2-highgpu-1g", migPartitionSize="1g.5gb",
                  sharing={"strategy": "MPS", "maxSharedClientsPerGpu": 2}),
        "gpu-kubeflow:gpuPools[0].sharing.strategy", "MPS"),
    "unknown sharing strategy": (with_pool(sharing={"strategy": "SLICING", "maxSharedClientsPerGpu": 2}),
                                 "gpu-kubeflow:gpuPools[0].sharing.strategy", "TIME_SHARING, MPS"),
    "too many shared clients": (with_pool(sharing={"strategy": "TIME_SHARING", "maxSharedClientsPerGpu": 49}),
                                "gpu-kubeflow:gpuPools[0].sharing.maxSharedClientsPerGpu", "from 1 to 48"),
    "sharing without clients": (with_pool(sharing={"strategy": "MPS"}),
                                "gpu-kubeflow:gpuPools[0].sharing.maxSharedClientsPerGpu", "required"),
    "min above max": (with_pool(minNodes=4, maxNodes=3), "gpu-kubeflow:gpuPools[0].minNodes", "maxNodes (3)"),
    "negative min": (with_pool(minNodes=-1), "gpu-kubeflow:gpuPools[0].minNodes", "0 or more"),
    "zero max": (with_pool(maxNodes=0), "gpu-kubeflow:gpuPools[0].maxNodes", "1 or more"),
    "system pool min above max": (with_cluster(systemPool={"minNodes": 3, "maxNodes": 2}),
                                  "gpu-kubeflow:cluster.systemPool.minNodes", "maxNodes (2)"),
    "bad taint effect": (with_pool(taints=[{"key": "gpu_label", "value": "true", "effect": "NoExec"}]),
                         "gpu-kubeflow:gpuPools[0].taints[0].effect", "NoSchedule, PreferNoSchedule, NoExecute"),
    "taint effect in GKE spelling": (with_pool(taints=[{"key": "gpu_label", "value": "true",
                                                        "effect": "NO_SCHEDULE"}]),
                                     "gpu-kubeflow:gpuPools[0].taints[0].effect", "NoSchedule"),
    "bad label key": (with_pool(labels={"gpu label": "true"}), "gpu-kubeflow:gpuPools[0].labels.gpu label",
                      "label key"),
    "bad label prefix": (with_pool(labels={"Example.COM/gpu": "true"}),
                         "gpu-kubeflow:gpuPools[0].labels.Example.COM/gpu", "DNS subdomain"),
    "bad label value": (with_pool(labels={"gpu_label": "yes please"}), "gpu-kubeflow:gpuPools[0].labels.gpu_label",
                        "label value"),
    "bad taint key": (with_pool(taints=[{"key": "-gpu", "value": "true"}]), "gpu-kubeflow:gpuPools[0].taints[0].key",
                      "label key"),
    "bad taint value": (with_pool(taints=[{"key": "gpu", "value": "x" * 64}]),
                        "gpu-kubeflow:gpuPools[0].taints[0].value", "at most 63"),
    "taint without key": (with_pool(taints=[{"value": "true"}]), "gpu-kubeflow:gpuPools[0].taints[0].key",
                          "needs a key"),
    "duplicate taint keys": (with_pool(taints=[{"key": "gpu", "value": "a"}, {"key": "gpu", "value": "b",
                                                                              "effect": "NoExecute"}]),
                             "gpu-kubeflow:gpuPools[0].taints[1].key", "once"),
    "GKE's own taint key": (with_pool(taints=[{"key": "nvidia.com/gpu", "value": "present"}]),
                            "gpu-kubeflow:gpuPools[0].taints[0].key", "GKE's own"),
    "duplicate pool names": ({**MINIMAL, "gpu-kubeflow:gpuPools": [POOL, POOL]}, "gpu-kubeflow:gpuPools[1].name",
                             "unique"),
    "bad pool name": (with_pool(name="GPU pool"), "gpu-kubeflow:gpuPools[0].name", "node pool name"),
    "spot not a bool": (with_pool(spot="yes"), "gpu-kubeflow:gpuPools[0].spot", "true or false"),
    "sharing not a mapping": (with_pool(sharing="TIME_SHARING"), "gpu-kubeflow:gpuPools[0].sharing",
                              "expected a mapping"),
    "taints not a list": (with_pool(taints={"key": "gpu_label"}), "gpu-kubeflow:gpuPools[0].taints",
                          "list of mappings"),
    "deletion protection not a bool": (with_cluster(deletionProtection="no"),
                                       "gpu-kubeflow:cluster.deletionProtection", "true or false"),
    "node locations not a list": (with_cluster(nodeLocations="us-central1-a"), "gpu-kubeflow:cluster.nodeLocations",
                                  "list of strings"),
    "unknown system pool key": (with_cluster(systemPool={"nodes": 2}), "gpu-kubeflow:cluster.systemPool.nodes",
                                "unknown key"),
    "bad system machine type": (with_cluster(systemPool={"machineType": "big"}),
                                "gpu-kubeflow:cluster.systemPool.machineType", "machine type"),
    "system pool without nodes": (with_cluster(systemPool={"minNodes": 0}), "gpu-kubeflow:cluster.systemPool.minNodes",
                                  "1 or more"),
}


@pytest.mark.parametrize("config,path,allowed", CASES.values(), ids=CASES.keys())
def test_bad_input_is_rejected_with_its_key_path_before_anything_is_declared(config, path, allowed):
    assert_rejected(config, path, allowed)



def test_every_problem_of_a_stack_is_reported_together():
    config = with_pool(acceleratorCount=3, minNodes=5, maxNodes=2, driverVersion="OLD")
    config["gpu-kubeflow:cluster"] = {"releaseChannel": "NIGHTLY"}
    with pytest.raises(SettingsError) as caught:
        run_program(config)
    paths = {p.split(": got")[0] for p in caught.value.problems}
    assert paths == {"gpu-kubeflow:gpuPools[0].acceleratorCount", "gpu-kubeflow:gpuPools[0].minNodes",
                     "gpu-kubeflow:gpuPools[0].driverVersion", "gpu-kubeflow:cluster.releaseChannel"}
    assert "4 problem(s)" in str(caught.value)


def test_a_message_shows_the_value_given_and_what_is_allowed():
    with pytest.raises(SettingsError) as caught:
        run_program(with_pool(acceleratorCount=2))
    assert caught.value.problems == [
        'gpu-kubeflow:gpuPools[0].acceleratorCount: got 2; g2-standard-8 offers 1 nvidia-l4 GPU(s)']
