"""The GKE cluster: VPC-native, Workload Identity, shielded nodes, GPU metrics, and a small system pool.

The default pool is removed and a non-GPU system pool takes its place, so KFP's own pods have somewhere to run
and GKE taints every GPU node with `nvidia.com/gpu=present:NoSchedule`.
"""

from dataclasses import dataclass
import json

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.service_account import node_service_account
from settings import ClusterSettings

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def hardened_node_config(machine_type: str, service_account: pulumi.Input[str], **extra) -> dict:
    """Node settings every pool shares: its own account, the GKE metadata server and secure boot."""
    return {
        "machine_type": machine_type,
        "service_account": service_account,
        "oauth_scopes": [CLOUD_PLATFORM_SCOPE],  # access is narrowed by the account's roles, not by scopes
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        **extra,
    }


def autoscaled_pool_args(min_nodes: int, max_nodes: int, location_policy: str) -> dict:
    """Total (not per-zone) node limits, and automatic repair and upgrade."""
    return {
        "autoscaling": {"total_min_node_count": min_nodes, "total_max_node_count": max_nodes,
                        "location_policy": location_policy},
        "management": {"auto_repair": True, "auto_upgrade": True},
    }


def gke_kubeconfig(name: str, endpoint: str, ca_certificate: str) -> str:
    """A kubeconfig that authenticates through gke-gcloud-auth-plugin, so it holds no credential itself."""
    context = f"gke_{name}"
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {
            "server": f"https://{endpoint}", "certificate-authority-data": ca_certificate}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
        "users": [{"name": context, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "gke-gcloud-auth-plugin",
            "installHint": "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            "provideClusterInfo": True,
        }}}],
    }, indent=2)


@dataclass(frozen=True)
class GkeClusterArgs:
    settings: ClusterSettings


class GkeCluster(pulumi.ComponentResource):
    """A GKE Standard cluster with its system pool, a kubeconfig and the Kubernetes provider for what follows."""

    cluster: gcp.container.Cluster
    name: pulumi.Output[str]
    location: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:GkeCluster", name, None, opts)
        self.settings = settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        self.cluster = gcp.container.Cluster(
            name,
            name=settings.name,
            project=settings.project,
            location=settings.location,
            node_locations=list(settings.node_locations) or None,
            release_channel={"channel": settings.release_channel},
            remove_default_node_pool=True,
            initial_node_count=1,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy={"stack_type": "IPV4"},
            workload_identity_config={"workload_pool": f"{settings.project}.svc.id.goog"},
            enable_shielded_nodes=True,
            monitoring_config={
                "enable_components": ["SYSTEM_COMPONENTS", "DCGM"],
                "managed_prometheus": {"enabled": True},
            },
            deletion_protection=settings.deletion_protection,
            opts=child,
        )
        self.name = self.cluster.name
        self.location = self.cluster.location
        self.endpoint = self.cluster.endpoint

        system_account = node_service_account(f"{name}-system-nodes", f"{settings.name}-system",
                                              settings.project, self)
        system = settings.system_pool
        self.system_pool = gcp.container.NodePool(
            f"{name}-system",
            name="system",
            project=settings.project,
            cluster=self.cluster.name,
            location=self.cluster.location,
            node_config=hardened_node_config(system.machine_type, system_account.email),
            **autoscaled_pool_args(system.min_nodes, system.max_nodes, "BALANCED"),
            opts=child,
        )

        self.kubeconfig = pulumi.Output.secret(pulumi.Output.all(
            self.cluster.name, self.cluster.endpoint, self.cluster.master_auth.cluster_ca_certificate,
        ).apply(lambda parts: gke_kubeconfig(*parts)))

        # Kubernetes resources wait for the system pool: KFP's pods need a node to become ready on.
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.system_pool]),
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "kubeconfig": self.kubeconfig})
