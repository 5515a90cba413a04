"""The seed's GPU pipeline on KFP v2: one container task that holds GPUs and lands only on one GPU pool.

The seed wrote it with the v1 SDK (`dsl.ContainerOp`, `add_node_selector_constraint`, `add_toleration({...})`).
Here the same intent uses `set_accelerator_type`/`set_accelerator_limit` and kfp-kubernetes' placement calls,
with the node selector and tolerations read from the pool's Placement rather than typed again.
"""

import os
import tempfile
from typing import Callable

from kfp import compiler, dsl, kubernetes

from components.placement import Placement
from settings import Settings
from settings.pipeline import PipelineSettings

GPU_RESOURCE = "nvidia.com/gpu"
PORT_ENV = "PORT"


def gpu_pipeline(pipeline: PipelineSettings, placement: Placement) -> Callable:
    """The pipeline function for kfp's compiler, built from the settings."""

    @dsl.container_component
    def gpu_task():
        return dsl.ContainerSpec(image=pipeline.image, command=list(pipeline.command), args=list(pipeline.args))

    @dsl.pipeline(name=pipeline.name, description=pipeline.description)
    def gpu_node_pipeline():
        task = gpu_task()
        task.set_caching_options(False)  # a serving task must run each time, not be answered from cache
        task.set_accelerator_type(GPU_RESOURCE)
        task.set_accelerator_limit(pipeline.gpus)
        # KFP v2 has no container port; the Service's targetPort routes to it, and the task is told it here.
        task.set_env_variable(PORT_ENV, str(pipeline.port))
        if pipeline.cpu:
            task.set_cpu_request(pipeline.cpu).set_cpu_limit(pipeline.cpu)
        if pipeline.memory:
            task.set_memory_request(pipeline.memory).set_memory_limit(pipeline.memory)
        for key, value in placement.node_selector.items():
            kubernetes.add_node_selector(task, label_key=key, label_value=value)
        for toleration in placement.tolerations:
            kubernetes.add_toleration(task, **toleration)
        for key, value in pipeline.pod_labels.items():
            kubernetes.add_pod_label(task, label_key=key, label_value=value)

    return gpu_node_pipeline


def compile_pipeline(pipeline: PipelineSettings, placement: Placement) -> str:
    """The compiled pipeline YAML (PipelineSpec, then the Kubernetes platform spec), byte-identical per input."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pipeline.yaml")  # platform config only compiles to .yaml
        compiler.Compiler().compile(gpu_pipeline(pipeline, placement), path)
        with open(path, encoding="utf-8") as compiled:
            return compiled.read()


def compile_for_stack(settings: Settings) -> str:
    """The pipeline a stack's settings compile to, placed the way its pool's component places it."""
    pool = settings.pool(settings.pipeline.pool)
    return compile_pipeline(settings.pipeline, Placement.for_pool(pool, on_gke=settings.cluster.is_gke))
