"""The cluster, the GPU pools and the placement they hand on, as the engine would receive them."""

import json

import pytest
from googleapiclient.discovery_cache import get_static_doc

from conftest import MINIMAL, defaults_run, stack_run
from tools.mock_engine import run_program

GKE_API = json.loads(get_static_doc("container", "v1"))["schemas"]
CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"


def gke_enum(schema: str, field: str) -> list[str]:
    spec = GKE_API[schema]["properties"][field]
    return spec.get("enum") or spec["items"]["enum"]


def gpu_pools(run):
    return [r for r in run.of_type(NODE_POOL) if r.inputs["name"] != "system"]


def test_every_stack_file_runs(each_stack):
    assert each_stack.outputs["clusterName"]
    assert each_stack.outputs["gpuPools"]


def test_defaults_give_the_seeds_pool():
    run = defaults_run()
    (pool,) = gpu_pools(run)
    config = pool.inputs["nodeConfig"]
    assert pool.inputs["name"] == "gpu-pool"
    assert config["machineType"] == "g2-standard-8"
    assert config["spot"] is False
    assert config["guestAccelerators"] == [{
        "type": "nvidia-l4", "count": 1,
        "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"},
    }]
    assert pool.inputs["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 3, "locationPolicy": "ANY"}
    assert config["labels"] == {"gpu_label": "true"}
    assert {"key": "gpu_label", "value": "true", "effect": "NO_SCHEDULE"} in config["taints"]
    assert run.outputs["gpuPools"]["gpu-pool"]["nodeSelector"] == {"gpu_label": "true"}


def test_cluster_is_vpc_native_with_workload_identity_shielded_nodes_and_gpu_metrics():
    cluster = defaults_run().one(CLUSTER).inputs
    assert cluster["removeDefaultNodePool"] is True
    assert cluster["networkingMode"] == "VPC_NATIVE"
    assert cluster["workloadIdentityConfig"] == {"workloadPool": "my-project.svc.id.goog"}
    assert cluster["enableShieldedNodes"] is True
    assert cluster["monitoringConfig"]["managedPrometheus"] == {"enabled": True}
    assert "DCGM" in cluster["monitoringConfig"]["enableComponents"]
    assert set(cluster["monitoringConfig"]["enableComponents"]) <= set(
        gke_enum("MonitoringComponentConfig", "enableComponents"))
    assert cluster["releaseChannel"]["channel"] in gke_enum("ReleaseChannel", "channel")
    assert cluster["deletionProtection"] is True
    assert cluster["location"] == "us-central1"


def test_deletion_protection_and_node_locations_come_from_settings():
    cluster = stack_run("dev").one(CLUSTER).inputs
    assert cluster["deletionProtection"] is False
    assert cluster["nodeLocations"] == ["us-central1-a", "us-central1-b"]


def test_a_non_gpu_system_pool_replaces_the_default_pool():
    run = defaults_run()
    system = run.one(NODE_POOL, "cluster-system").inputs
    assert "guestAccelerators" not in system["nodeConfig"]
    assert system["nodeConfig"]["machineType"] == "e2-standard-4"
    assert system["autoscaling"]["totalMinNodeCount"] >= 1


@pytest.mark.parametrize("stack", ["dev", "prod", "defaults"])
def test_gpu_pool_enums_and_hardening_are_what_the_gke_api_accepts(stack):
    run = defaults_run() if stack == "defaults" else stack_run(stack)
    for pool in gpu_pools(run):
        config = pool.inputs["nodeConfig"]
        for taint in config["taints"]:
            assert taint["effect"] in gke_enum("NodeTaint", "effect")
        accelerator = config["guestAccelerators"][0]
        assert accelerator["gpuDriverInstallationConfig"]["gpuDriverVersion"] in gke_enum(
            "GPUDriverInstallationConfig", "gpuDriverVersion")
        if "gpuSharingConfig" in accelerator:
            assert accelerator["gpuSharingConfig"]["gpuSharingStrategy"] in gke_enum(
                "GPUSharingConfig", "gpuSharingStrategy")
        assert pool.inputs["autoscaling"]["locationPolicy"] in gke_enum("NodePoolAutoscaling", "locationPolicy")
        assert config["workloadMetadataConfig"]["mode"] == "GKE_METADATA"
        assert config["shieldedInstanceConfig"]["enableSecureBoot"] is True
        assert pool.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}


def test_gke_gpu_taint_is_declared_and_every_taint_is_tolerated():
    run = stack_run("prod")
    for pool in gpu_pools(run):
        taints = pool.inputs["nodeConfig"]["taints"]
        assert {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"} in taints
        placement = run.outputs["gpuPools"][pool.inputs["name"]]
        assert placement["nodeSelector"] == pool.inputs["nodeConfig"]["labels"]
        tolerated = {(t["key"], t["value"]) for t in placement["tolerations"]}
        assert tolerated == {(t["key"], t["value"]) for t in taints}


def test_sharing_and_mig_reach_the_accelerator():
    run = stack_run("prod")
    shared = run.one(NODE_POOL, "l4-shared").inputs["nodeConfig"]["guestAccelerators"][0]
    assert shared["count"] == 2
    assert shared["gpuSharingConfig"] == {"gpuSharingStrategy": "TIME_SHARING", "maxSharedClientsPerGpu": 4}
    mig = run.one(NODE_POOL, "a100-mig").inputs["nodeConfig"]["guestAccelerators"][0]
    assert mig["gpuPartitionSize"] == "3g.20gb"


def test_spot_when_asked():
    assert gpu_pools(stack_run("dev"))[0].inputs["nodeConfig"]["spot"] is True


def test_each_pool_has_its_own_least_privilege_node_account():
    run = stack_run("prod")
    accounts = run.of_type("gcp:serviceaccount/account:Account")
    pools = run.of_type(NODE_POOL)
    assert len({p.inputs["nodeConfig"]["serviceAccount"] for p in pools}) == len(pools) == len(accounts)
    for account in accounts:
        emails = f"serviceAccount:{account.inputs['accountId']}@my-project.iam.gserviceaccount.com"
        roles = {m.inputs["role"] for m in run.of_type("gcp:projects/iAMMember:IAMMember")
                 if m.inputs["member"] == emails}
        assert roles == {"roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer",
                         "roles/stackdriver.resourceMetadata.writer", "roles/artifactregistry.reader"}
        assert 6 <= len(account.inputs["accountId"]) <= 30


@pytest.mark.parametrize("stack", ["prod", "local"])
def test_every_resource_belongs_to_one_of_the_components(stack):
    run = stack_run(stack)
    for resource in run.resources:
        owner = (run.ancestors(resource) or [resource])[-1]
        assert owner.type.startswith("gpu-kubeflow:index:"), resource.name


def test_kubeconfig_uses_the_auth_plugin_and_is_a_secret():
    run = defaults_run()
    assert "kubeconfig" in run.secret_outputs
    kubeconfig = json.loads(run.outputs["kubeconfig"])
    assert kubeconfig["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    assert kubeconfig["clusters"][0]["cluster"]["server"] == f"https://{run.outputs['clusterEndpoint']}"
    provider = run.one("pulumi:providers:kubernetes")
    assert "kubeconfig" in provider.secret_inputs
    assert run.depends_on(provider, run.one(NODE_POOL, "cluster-system"))


def test_existing_mode_declares_no_cloud_resource():
    run = stack_run("local")
    assert [r.type for r in run.resources if r.type.startswith("gcp:")] == []
    provider = run.one("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "kind-gpu"
    placement = run.outputs["gpuPools"]["gpu-pool"]
    assert placement["tolerations"] == [{"key": "gpu_label", "operator": "Equal", "value": "true",
                                         "effect": "NoSchedule"}]


def test_existing_mode_without_a_context_uses_the_current_one():
    run = run_program({"gpu-kubeflow:cluster": {"mode": "existing"}})
    assert "context" not in run.one("pulumi:providers:kubernetes").inputs


def test_long_cluster_and_pool_names_still_give_valid_distinct_account_ids():
    config = {**MINIMAL, "gpu-kubeflow:cluster": {"name": "a-very-long-cluster-name-for-gpus"},
              "gpu-kubeflow:gpuPools": [{"name": "l4-pool-for-training-jobs"}, {"name": "l4-pool-for-training-jobz"}]}
    ids = [a.inputs["accountId"] for a in run_program(config).of_type("gcp:serviceaccount/account:Account")]
    assert len(set(ids)) == 3
    assert all(len(i) <= 30 and not i.endswith("-") for i in ids)
