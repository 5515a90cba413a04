"""Where a GPU workload lands: the one source of a pool's node selector and tolerations.

The node pool declares its labels and taints from this same object, and every workload (the pipeline's GPU
task, the Service's pods) takes its selector and tolerations from it, so a label or taint is never typed twice.
"""

from dataclasses import dataclass
from typing import Mapping

from settings import GKE_GPU_TAINT_KEY, GpuPoolSettings, Taint

# GKE adds this taint to GPU nodes whenever the cluster also has a non-GPU pool (ours has the system pool).
GKE_GPU_TAINT = Taint(key=GKE_GPU_TAINT_KEY, value="present", effect="NoSchedule")


@dataclass(frozen=True)
class Placement:
    pool_name: str
    node_selector: Mapping[str, str]
    taints: tuple[Taint, ...]

    @classmethod
    def for_pool(cls, pool: GpuPoolSettings, on_gke: bool) -> "Placement":
        """On GKE the pool also carries GKE's own GPU taint; nodes of an existing cluster carry only the pool's."""
        taints = pool.taints + ((GKE_GPU_TAINT,) if on_gke else ())
        return cls(pool_name=pool.name, node_selector=dict(pool.labels), taints=taints)

    @property
    def tolerations(self) -> list[dict[str, str]]:
        """Kubernetes tolerations, one per taint, in the pod spec's spelling."""
        return [{"key": t.key, "operator": "Equal", "value": t.value, "effect": t.effect} for t in self.taints]
