"""A GPU node pool whose labels and taints come from the same Placement its workloads read."""

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gke_cluster import GkeCluster, autoscaled_pool_args, hardened_node_config
from components.placement import Placement
from components.service_account import node_service_account
from settings import GpuPoolSettings

# The GKE API's spelling of Kubernetes taint effects.
GKE_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


@dataclass(frozen=True)
class GpuNodePoolArgs:
    pool: GpuPoolSettings
    cluster: GkeCluster
    project: str


def guest_accelerator(pool: GpuPoolSettings) -> dict:
    """The accelerator block: type, count, driver installation, and time-sharing/MPS or MIG when asked."""
    accelerator = {
        "type": pool.accelerator_type,
        "count": pool.accelerator_count,
        "gpu_driver_installation_config": {"gpu_driver_version": pool.driver_version},
    }
    if pool.sharing:
        accelerator["gpu_sharing_config"] = {
            "gpu_sharing_strategy": pool.sharing.strategy,
            "max_shared_clients_per_gpu": pool.sharing.max_shared_clients_per_gpu,
        }
    if pool.mig_partition_size:
        accelerator["gpu_partition_size"] = pool.mig_partition_size
    return accelerator


class GpuNodePool(pulumi.ComponentResource):
    """A GPU node pool with its own node service account, scaling from zero in any zone with capacity."""

    placement: Placement
    node_pool: gcp.container.NodePool

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:GpuNodePool", name, None, opts)
        pool = args.pool
        self.placement = Placement.for_pool(pool, on_gke=True)
        account = node_service_account(f"{name}-nodes", f"{args.cluster.settings.name}-{pool.name}",
                                       args.project, self)
        self.node_pool = gcp.container.NodePool(
            name,
            name=pool.name,
            project=args.project,
            cluster=args.cluster.name,
            location=args.cluster.location,
            node_config=hardened_node_config(
                pool.machine_type,
                account.email,
                spot=pool.spot,
                labels=dict(self.placement.node_selector),
                # GKE's own GPU taint is declared too, so it is intent rather than drift.
                taints=[{"key": t.key, "value": t.value, "effect": GKE_TAINT_EFFECTS[t.effect]}
                        for t in self.placement.taints],
                guest_accelerators=[guest_accelerator(pool)],
            ),
            # ANY lets the autoscaler take GPUs from whichever zone has them, and scale from zero.
            **autoscaled_pool_args(pool.min_nodes, pool.max_nodes, "ANY"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"name": self.node_pool.name, "nodeSelector": dict(self.placement.node_selector)})
