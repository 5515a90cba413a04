"""`gpu-kubeflow:pipeline`: the seed's GPU pipeline, and where on the GPU pools its task runs."""

from dataclasses import dataclass
import re
from typing import Any, Mapping, Optional, Sequence

from settings.reader import Problems, Section, check_labels

PIPELINE_KEY = "gpu-kubeflow:pipeline"
# KFP's pipeline name rule (its API server and the Pipeline CRD's admission webhook).
KFP_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")
# What kfp's PipelineTask.set_cpu_limit and set_memory_limit accept: stricter than Kubernetes quantities.
KFP_CPU = re.compile(r"([0-9]*[.])?[0-9]+m?")
KFP_MEMORY = re.compile(r"[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?")
APP_LABEL = "app"


@dataclass(frozen=True)
class PipelineSettings:
    name: str
    description: str
    pool: str
    image: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    gpus: int
    port: int
    cpu: Optional[str]
    memory: Optional[str]
    extra_pod_labels: Mapping[str, str]

    @property
    def pod_labels(self) -> dict[str, str]:
        """The GPU task pod's labels: `app: <name>` (what the Service selects) and the extra ones."""
        return {APP_LABEL: self.name, **self.extra_pod_labels}


def read_pipeline(problems: Problems, raw: Any, pools: Sequence) -> Optional[PipelineSettings]:
    """Read the pipeline settings; `pools` are the already-read GpuPoolSettings it may run on."""
    section = Section(problems, PIPELINE_KEY, raw, (
        "name", "description", "pool", "image", "command", "args", "gpus", "port", "resources", "podLabels"))
    name = section.string("name", "gpu-node-pipeline", pattern=KFP_NAME,
                          described="KFP pipeline names match ^[a-z0-9][a-z0-9-]{0,127}$")
    if name is not None and len(name) > 63:
        problems.add(section.key_path("name"), name,
                     "at most 63 characters: the name is also the pod label value `app: <name>`")
        name = None
    by_name = {pool.name: pool for pool in pools}
    pool_name = section.string("pool", pools[0].name if pools else None)
    pool = by_name.get(pool_name)
    if pool_name is not None and pool is None and pools:
        problems.add(section.key_path("pool"), pool_name, "expected a gpuPools name: " + ", ".join(by_name))
    image = section.string("image", "your-docker-image")
    if image is not None and not image.strip():
        problems.add(section.key_path("image"), image, "expected a container image reference")
        image = None
    command = section.strings("command", ("python", "your_script.py"))
    if command is not None and (not command or not all(part.strip() for part in command)):
        problems.add(section.key_path("command"), list(command), "expected a non-empty list of non-empty strings")
        command = None
    gpus = section.integer("gpus", 1, low=1)
    if gpus is not None and pool is not None:
        if pool.sharing and gpus > 1:
            problems.add(section.key_path("gpus"), gpus,
                         f"pool {pool.name} shares its GPUs ({pool.sharing.strategy}); GKE lets a container "
                         "ask for at most one shared GPU")
        elif gpus > pool.gpus_per_node:
            unit = f"{pool.mig_partition_size} partitions" if pool.mig_partition_size else "GPUs"
            problems.add(section.key_path("gpus"), gpus,
                         f"one node of pool {pool.name} offers at most {pool.gpus_per_node} {unit}")
    resources = section.section("resources", ("cpu", "memory"))
    cpu = resources.string("cpu", None, pattern=KFP_CPU,
                           described="a CPU quantity such as \"4\", \"0.5\" or \"500m\"")
    memory = resources.string("memory", None, pattern=KFP_MEMORY,
                              described="a memory quantity such as \"16Gi\", \"512Mi\" or \"1G\"")
    extra_labels = section.string_map("podLabels", {})
    if extra_labels is not None:
        check_labels(problems, section.key_path("podLabels"), extra_labels)
        if APP_LABEL in extra_labels:
            problems.add(f"{section.key_path('podLabels')}.{APP_LABEL}", extra_labels[APP_LABEL],
                         "`app` is always the pipeline name (what the Service selects); set pipeline.name instead")
    values = dict(
        name=name,
        description=section.string("description", "Pipeline that schedules a pod on a specific GPU node"),
        pool=pool_name if pool else None, image=image,
        command=command, args=section.strings("args", ()), gpus=gpus,
        port=section.integer("port", 8080, low=1, high=65535),
        cpu=cpu, memory=memory, extra_pod_labels=extra_labels,
    )
    if any(v is None for k, v in values.items() if k not in ("cpu", "memory")):
        return None
    return PipelineSettings(**values)
