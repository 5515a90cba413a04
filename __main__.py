"""gpu-kubeflow: read and validate the stack's settings, then build the platform from its components."""

import pulumi

from components.existing_cluster import ExistingCluster, ExistingClusterArgs
from components.gke_cluster import GkeCluster, GkeClusterArgs
from components.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from components.gpu_service import GpuService, GpuServiceArgs
from components.kubeflow_pipelines import KubeflowPipelines, KubeflowPipelinesArgs
from components.pipeline_registration import PipelineRegistration, PipelineRegistrationArgs
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

api_server_ready = []
if settings.kubeflow.install:
    kubeflow = KubeflowPipelines("kfp", KubeflowPipelinesArgs(settings.kubeflow, cluster.provider))
    api_server_ready = kubeflow.api_server_ready

registration = PipelineRegistration(settings.pipeline.name, PipelineRegistrationArgs(
    compiled=compile_pipeline(settings.pipeline, placements[settings.pipeline.pool]),
    namespace=settings.kubeflow.namespace,
    provider=cluster.provider,
    depends_on=api_server_ready,
))

if settings.service:
    service = GpuService(settings.service.name, GpuServiceArgs(
        service=settings.service,
        pipeline=settings.pipeline,
        namespace=settings.kubeflow.namespace,
        provider=cluster.provider,
        project=settings.cluster.project,
        region=settings.cluster.region,
        depends_on=api_server_ready,
    ))
    pulumi.export("serviceEndpoint", service.endpoint)

pulumi.export("clusterName", cluster.name)
pulumi.export("gpuPools", {name: {"nodeSelector": dict(p.node_selector), "tolerations": p.tolerations}
                           for name, p in placements.items()})
pulumi.export("pipelineName", registration.pipeline_name)
pulumi.export("pipelineVersion", registration.version_name)
