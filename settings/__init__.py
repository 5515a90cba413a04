"""The stack's settings: read once, validated as a whole, then handed to the components as frozen values.

`load_settings` takes the stack's configuration as plain values (what a stack file's `config:` holds) and
either returns `Settings` or raises `SettingsError` listing every problem, each with its key path. Nothing is
declared before this has passed, so a bad stack never leaves half a platform behind.
"""

from dataclasses import dataclass
import json
import re
from typing import Any, Mapping, Optional

import pulumi

from settings import gpu_catalog
from settings.kubeflow import KUBEFLOW_KEY, KubeflowSettings, read_kubeflow
from settings.pipeline import PIPELINE_KEY, PipelineSettings, read_pipeline
from settings.service import SERVICE_KEY, ServiceSettings, read_service
from settings.reader import (Problems, Section, check_labels, label_key_problem, label_value_problem,
                             section_list)

PROJECT = "gpu-kubeflow"
OBJECT_KEYS = ("cluster", "gpuPools", "kubeflow", "pipeline", "service")

GKE_GPU_TAINT_KEY = "nvidia.com/gpu"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

_GKE_NAME = re.compile(r"[a-z]([-a-z0-9]{0,38}[a-z0-9])?")
_GCP_PROJECT = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
_REGION = re.compile(r"[a-z]+-[a-z]+[0-9]+")
_ZONE = re.compile(r"([a-z]+-[a-z]+[0-9]+)-[a-z]")
_MACHINE_TYPE = re.compile(r"[a-z][a-z0-9]*-[a-z0-9-]+")


def region_of(location: str) -> str:
    """The region of a region or zone name."""
    zone = _ZONE.fullmatch(location)
    return zone.group(1) if zone else location


class SettingsError(pulumi.RunError):
    """Every problem of a stack's settings, raised before any resource is declared."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(f"{len(problems)} problem(s) in the stack settings:\n" +
                         "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # Kubernetes spelling: NoSchedule | PreferNoSchedule | NoExecute


@dataclass(frozen=True)
class GpuSharing:
    strategy: str  # TIME_SHARING | MPS
    max_shared_clients_per_gpu: int


@dataclass(frozen=True)
class GpuPoolSettings:
    name: str
    machine_type: str
    accelerator_type: str
    accelerator_count: int
    driver_version: str
    sharing: Optional[GpuSharing]
    mig_partition_size: Optional[str]
    min_nodes: int
    max_nodes: int
    spot: bool
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]

    @property
    def gpus_per_node(self) -> int:
        """What one node offers as `nvidia.com/gpu`: GPUs, or MIG partitions when partitioned."""
        if self.mig_partition_size:
            partitions = gpu_catalog.ACCELERATORS[self.accelerator_type].mig_partitions[self.mig_partition_size]
            return self.accelerator_count * partitions
        return self.accelerator_count


@dataclass(frozen=True)
class SystemPoolSettings:
    machine_type: str
    min_nodes: int
    max_nodes: int


@dataclass(frozen=True)
class ClusterSettings:
    mode: str  # gke | existing
    name: str
    project: Optional[str]
    location: Optional[str]
    node_locations: tuple[str, ...]
    release_channel: str
    deletion_protection: bool
    kubeconfig_context: Optional[str]
    system_pool: SystemPoolSettings

    @property
    def is_gke(self) -> bool:
        return self.mode == "gke"

    @property
    def region(self) -> Optional[str]:
        return region_of(self.location) if self.location else None


@dataclass(frozen=True)
class Settings:
    cluster: ClusterSettings
    gpu_pools: tuple[GpuPoolSettings, ...]
    kubeflow: KubeflowSettings
    pipeline: PipelineSettings
    service: Optional[ServiceSettings]  # None when disabled

    def pool(self, name: str) -> GpuPoolSettings:
        return next(pool for pool in self.gpu_pools if pool.name == name)


DEFAULT_GPU_LABELS = {"gpu_label": "true"}
DEFAULT_GPU_TAINTS = [{"key": "gpu_label", "value": "true", "effect": "NoSchedule"}]


def _read_cluster(problems: Problems, raw: Any, project: Any, region: Any) -> ClusterSettings:
    section = Section(problems, f"{PROJECT}:cluster", raw, (
        "mode", "name", "location", "nodeLocations", "releaseChannel", "deletionProtection",
        "kubeconfigContext", "systemPool"))
    mode = section.string("mode", "gke", choices=("gke", "existing"))
    location = section.string("location", region if isinstance(region, str) else None)
    if mode == "gke":
        if not isinstance(project, str) or not _GCP_PROJECT.fullmatch(project):
            problems.add("gcp:project", project, "gke mode needs the Google Cloud project id "
                         "(6 to 30 lowercase letters, digits or '-'); set it with `pulumi config set gcp:project`")
            project = None
        if location is None and not section.given("location"):
            problems.add(section.key_path("location"), None,
                         "gke mode needs a region or zone: set gcp:region or cluster.location")
        elif location is not None and not (_REGION.fullmatch(location) or _ZONE.fullmatch(location)):
            problems.add(section.key_path("location"), location,
                         "expected a region such as us-central1 or a zone such as us-central1-a")
            location = None
    if mode == "gke" and section.given("kubeconfigContext"):
        problems.add(section.key_path("kubeconfigContext"), section.raw["kubeconfigContext"],
                     "only existing mode reads a kubeconfig context; gke mode builds its own kubeconfig")
    node_locations = section.strings("nodeLocations") or ()
    if location is not None and mode == "gke":
        region = region_of(location)
        for i, zone in enumerate(node_locations):
            zone_match = _ZONE.fullmatch(zone)
            if not zone_match or zone_match.group(1) != region:
                problems.add(f"{section.key_path('nodeLocations')}[{i}]", zone,
                             f"expected a zone of the cluster's region {region}, such as {region}-a")
    system = section.section("systemPool", ("machineType", "minNodes", "maxNodes"))
    system_pool = SystemPoolSettings(
        machine_type=system.string("machineType", "e2-standard-4", pattern=_MACHINE_TYPE,
                                   described="expected a Compute Engine machine type such as e2-standard-4"),
        min_nodes=system.integer("minNodes", 1, low=1),
        max_nodes=system.integer("maxNodes", 3, low=1),
    )
    _check_node_range(problems, system.path, system_pool.min_nodes, system_pool.max_nodes)
    return ClusterSettings(
        mode=mode,
        name=section.string("name", "gpu-kubeflow", pattern=_GKE_NAME,
                            described="expected a GKE name: a lowercase letter, then up to 39 lowercase "
                                      "letters, digits or '-', not ending in '-'"),
        project=project if mode == "gke" else None,
        location=location,
        node_locations=tuple(node_locations),
        release_channel=section.string("releaseChannel", "REGULAR", choices=("RAPID", "REGULAR", "STABLE")),
        deletion_protection=section.boolean("deletionProtection", True),
        kubeconfig_context=section.string("kubeconfigContext", None),
        system_pool=system_pool,
    )


def _check_node_range(problems: Problems, path: str, low: Optional[int], high: Optional[int]) -> None:
    if low is not None and high is not None and low > high:
        problems.add(f"{path}.minNodes", low, f"minNodes must not exceed maxNodes ({high})")


def _read_taints(problems: Problems, pool: Section, on_gke: bool) -> tuple[Taint, ...]:
    entries = pool.sections("taints", ("key", "value", "effect"))
    if entries is None:
        entries = [Section(problems, pool.key_path("taints") + f"[{i}]", t, ("key", "value", "effect"))
                   for i, t in enumerate(DEFAULT_GPU_TAINTS)]
    taints, seen = [], {}
    for entry in entries:
        key = entry.string("key", None)
        value = entry.string("value", "")
        effect = entry.string("effect", "NoSchedule", choices=TAINT_EFFECTS)
        if key is None:
            if not entry.given("key"):
                problems.add(entry.key_path("key"), None, "every taint needs a key")
            continue
        if why := label_key_problem(key):
            problems.add(entry.key_path("key"), key, why)
        elif key in seen:
            problems.add(entry.key_path("key"), key, f"each taint key may appear once; it is already at {seen[key]}")
        elif on_gke and key == GKE_GPU_TAINT_KEY:
            problems.add(entry.key_path("key"), key,
                         f"GKE's own {GKE_GPU_TAINT_KEY}=present:NoSchedule taint is declared for every GPU pool; "
                         "use another key")
        seen.setdefault(key, entry.path)
        if value is not None and (why := label_value_problem(value)):
            problems.add(entry.key_path("value"), value, why)
        if value is not None and effect is not None:
            taints.append(Taint(key, value, effect))
    return tuple(taints)


def _read_gpu_pool(problems: Problems, pool: Section, index: int, on_gke: bool) -> Optional[GpuPoolSettings]:
    name = pool.string("name", "gpu-pool" if index == 0 else f"gpu-pool-{index}", pattern=_GKE_NAME,
                       described="expected a GKE node pool name: a lowercase letter, then up to 39 lowercase "
                                 "letters, digits or '-', not ending in '-'")
    machine_type = pool.string("machineType", "g2-standard-8", pattern=_MACHINE_TYPE,
                               described="expected a Compute Engine machine type such as g2-standard-8")
    accelerator_type = pool.string("acceleratorType", "nvidia-l4", choices=gpu_catalog.ACCELERATORS)
    counts = None
    if machine_type and accelerator_type:
        counts = gpu_catalog.gpu_counts(accelerator_type, machine_type)
        if counts is None:
            problems.add(pool.key_path("machineType"), machine_type,
                         f"{accelerator_type} goes with " + gpu_catalog.machine_types_for(accelerator_type))
    accelerator_count = pool.integer("acceleratorCount", counts[0] if counts else None, low=1)
    if counts and accelerator_count is not None and accelerator_count not in counts:
        problems.add(pool.key_path("acceleratorCount"), accelerator_count,
                     f"{machine_type} offers {' or '.join(map(str, counts))} {accelerator_type} GPU(s)")
        accelerator_count = None
    driver_version = pool.string("driverVersion", "LATEST", choices=("DEFAULT", "LATEST", "INSTALLATION_DISABLED"))

    sharing = None
    if pool.given("sharing"):
        raw_sharing = pool.section("sharing", ("strategy", "maxSharedClientsPerGpu"))
        strategy = raw_sharing.string("strategy", None, choices=("TIME_SHARING", "MPS"))
        clients = raw_sharing.integer("maxSharedClientsPerGpu", None,
                                      low=1, high=gpu_catalog.MAX_SHARED_CLIENTS_PER_GPU)
        for key in ("strategy", "maxSharedClientsPerGpu"):
            if not raw_sharing.given(key):
                problems.add(raw_sharing.key_path(key), None, "required when sharing is set")
        if strategy and clients:
            sharing = GpuSharing(strategy, clients)

    mig = pool.string("migPartitionSize", None)
    if mig is not None and accelerator_type:
        partitions = gpu_catalog.ACCELERATORS[accelerator_type].mig_partitions
        if not partitions:
            with_mig = [a for a, spec in gpu_catalog.ACCELERATORS.items() if spec.mig_partitions]
            problems.add(pool.key_path("migPartitionSize"), mig,
                         f"{accelerator_type} has no multi-instance GPU; MIG needs one of " + ", ".join(with_mig))
            mig = None
        elif mig not in partitions:
            problems.add(pool.key_path("migPartitionSize"), mig,
                         f"{accelerator_type} partitions into " + ", ".join(partitions))
            mig = None
        elif sharing and sharing.strategy not in gpu_catalog.SHARING_STRATEGIES_WITH_MIG:
            problems.add(pool.key_path("sharing.strategy"), sharing.strategy,
                         "GKE does not run MPS on multi-instance GPU partitions; use TIME_SHARING with "
                         "migPartitionSize, or drop migPartitionSize")

    min_nodes = pool.integer("minNodes", 0, low=0)
    max_nodes = pool.integer("maxNodes", 3, low=1)
    _check_node_range(problems, pool.path, min_nodes, max_nodes)
    spot = pool.boolean("spot", False)
    labels = pool.string_map("labels", DEFAULT_GPU_LABELS)
    if labels is not None:
        check_labels(problems, pool.key_path("labels"), labels)
    taints = _read_taints(problems, pool, on_gke)
    values = (name, machine_type, accelerator_type, accelerator_count, driver_version, min_nodes, max_nodes,
              spot, labels)
    if any(v is None for v in values):
        return None
    return GpuPoolSettings(name, machine_type, accelerator_type, accelerator_count, driver_version, sharing,
                           mig, min_nodes, max_nodes, spot, labels, taints)


def _read_gpu_pools(problems: Problems, raw: Any, on_gke: bool) -> tuple[GpuPoolSettings, ...]:
    entries = section_list(problems, f"{PROJECT}:gpuPools", raw, (
        "name", "machineType", "acceleratorType", "acceleratorCount", "driverVersion", "sharing",
        "migPartitionSize", "minNodes", "maxNodes", "spot", "labels", "taints"))
    if entries is None:
        entries = [Section(problems, f"{PROJECT}:gpuPools[0]", {}, ())]
    elif not entries and isinstance(raw, list):
        problems.add(f"{PROJECT}:gpuPools", raw, "expected at least one GPU pool")
    pools, names = [], {}
    for index, entry in enumerate(entries):
        pool = _read_gpu_pool(problems, entry, index, on_gke)
        if pool is None:
            continue
        if pool.name in names:
            problems.add(entry.key_path("name"), pool.name,
                         f"pool names must be unique; {names[pool.name]} already uses it")
        names.setdefault(pool.name, entry.key_path("name"))
        pools.append(pool)
    return tuple(pools)


def load_settings(config: Mapping[str, Any]) -> Settings:
    """Validate a stack's whole configuration (full keys such as `gpu-kubeflow:cluster`, values parsed)."""
    problems = Problems()
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if namespace == PROJECT and name not in OBJECT_KEYS:
            problems.add(key, value, f"unknown key {name!r}; the keys of {PROJECT} are " + ", ".join(OBJECT_KEYS))
    cluster = _read_cluster(problems, config.get(f"{PROJECT}:cluster"), config.get("gcp:project"),
                            config.get("gcp:region"))
    pools = _read_gpu_pools(problems, config.get(f"{PROJECT}:gpuPools"), cluster.mode == "gke")
    kubeflow = read_kubeflow(problems, config.get(KUBEFLOW_KEY))
    pipeline = read_pipeline(problems, config.get(PIPELINE_KEY), pools)
    service = read_service(problems, config.get(SERVICE_KEY), cluster.is_gke)
    if problems:
        raise SettingsError(problems)
    return Settings(cluster=cluster, gpu_pools=pools, kubeflow=kubeflow, pipeline=pipeline, service=service)


def stack_config() -> dict[str, Any]:
    """The running stack's configuration as plain values: objects arrive from the engine as JSON text."""
    # pulumi.Config cannot list keys; the runtime's config map can, and unknown keys must be reported.
    from pulumi.runtime.config import CONFIG, get_config_env
    raw = {**get_config_env(), **CONFIG.get()}
    values = {}
    for key, value in raw.items():
        if key.startswith(f"{PROJECT}:") and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        values[key] = value
    return values
