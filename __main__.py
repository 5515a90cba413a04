"""gpu-kubeflow: read and validate the stack's settings, then build the platform from its components."""

import pulumi

from components.existing_cluster import ExistingCluster, ExistingClusterArgs
from components.gke_cluster import GkeCluster, GkeClusterArgs
from components.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from components.placement import Placement
from pipelines.gpu_pipeline import compile_pipeline
from settings import load_settings, stack_config

settings = load_settings(stack_config())

if settings.cluster.is_gke:
    cluster = GkeCluster("cluster", GkeClusterArgs(settings.cluster))
    gpu_pools = [GpuNodePool(pool.name, GpuNodePoolArgs(pool, cluster, settings.cluster.project))
                 for pool in settings.gpu_pools]
    placements = {pool.placement.pool_name: pool.placement for pool in gpu_pools}
    pulumi.export("clusterEndpoint", cluster.endpoint)
    pulumi.export("kubeconfig", cluster.kubeconfig)
else:
    cluster = ExistingCluster("cluster", ExistingClusterArgs(settings.cluster))
    placements = {pool.name: Placement.for_pool(pool, on_gke=False) for pool in settings.gpu_pools}
    pulumi.export("kubeconfigContext", cluster.context)

pipeline_yaml = compile_pipeline(settings.pipeline, placements[settings.pipeline.pool])

pulumi.export("clusterName", cluster.name)
pulumi.export("gpuPools", {name: {"nodeSelector": dict(p.node_selector), "tolerations": p.tolerations}
                           for name, p in placements.items()})
pulumi.export("pipelineName", settings.pipeline.name)
