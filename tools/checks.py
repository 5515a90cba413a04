"""The render's checks: each takes rendered objects and returns readable problems (empty when all is well).

Every check asserts against something real: the official Kubernetes JSON schemas (kubernetes-validate), the
rules of KFP's own admission webhooks and protos, and the GKE API's discovery document (tools/gke_api.py).
"""

from dataclasses import dataclass
import re
from typing import Iterable, Optional

from google.protobuf import json_format
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2
import kubernetes_validate

from settings.pipeline import KFP_NAME

GPU_RESOURCE = "nvidia.com/gpu"
KFP_API_VERSION = "pipelines.kubeflow.org/v2beta1"
# KFP's own resources: their schemas are KFP's, checked by check_kfp_resources rather than Kubernetes' schemas.
KFP_KINDS = {(KFP_API_VERSION, "Pipeline"), (KFP_API_VERSION, "PipelineVersion")}
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_VERSION_NAME = re.compile(r"[a-z0-9]([a-z0-9.\-]*[a-z0-9])?")  # the CRD's spec.versionName pattern
_POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def describe(obj: dict) -> str:
    metadata = obj.get("metadata", {})
    where = f"{metadata.get('namespace')}/" if metadata.get("namespace") else ""
    return f"{obj.get('kind')} {where}{metadata.get('name')}"


def check_kubernetes_schemas(objects: Iterable[dict], kubernetes_version: str) -> list[str]:
    """Every object but KFP's own against the official schemas of that minor version, strictly."""
    problems = []
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) in KFP_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            at = ".".join(str(p) for p in error.path) or "(top)"
            problems.append(f"{describe(obj)}: {at}: {error.message} (Kubernetes {error.version} schema)")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{describe(obj)}: {error.message}")
    return problems


def _parse_strict(document, message):
    return json_format.ParseDict(document, message, ignore_unknown_fields=False)


def check_kfp_resources(objects: Iterable[dict]) -> list[str]:
    """What KFP's admission webhooks and CRD schema refuse: missing fields, bad names, dangling versions, bad specs."""
    objects = list(objects)
    pipelines = {(o["metadata"].get("namespace"), o["metadata"].get("name"))
                 for o in objects if (o.get("apiVersion"), o.get("kind")) == (KFP_API_VERSION, "Pipeline")}
    problems = []
    for obj in objects:
        key = (obj.get("apiVersion"), obj.get("kind"))
        if key not in KFP_KINDS:
            continue
        name = obj.get("metadata", {}).get("name") or ""
        namespace = obj.get("metadata", {}).get("namespace")
        if not name:
            problems.append(f"{describe(obj)}: metadata.name is required")
        if key[1] == "Pipeline":
            if name and not KFP_NAME.fullmatch(name):
                problems.append(f"{describe(obj)}: metadata.name must match ^[a-z0-9][a-z0-9-]{{0,127}}$")
            continue
        spec = obj.get("spec") or {}
        if name and (len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name)):
            problems.append(f"{describe(obj)}: metadata.name must be a DNS-1123 subdomain")
        if spec.get("versionName") and not _VERSION_NAME.fullmatch(spec["versionName"]):
            problems.append(f"{describe(obj)}: spec.versionName must match ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
        if not spec.get("pipelineName"):
            problems.append(f"{describe(obj)}: spec.pipelineName is required")
        elif (namespace, spec["pipelineName"]) not in pipelines:
            problems.append(f"{describe(obj)}: spec.pipelineName {spec['pipelineName']!r} doesn't map to an "
                            f"existing Pipeline object in {namespace}")
        if "pipelineSpec" not in spec:
            problems.append(f"{describe(obj)}: spec.pipelineSpec is required")
            continue
        try:
            pipeline_spec = _parse_strict(spec["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())
        except (json_format.ParseError, TypeError, AttributeError) as error:
            problems.append(f"{describe(obj)}: spec.pipelineSpec is not a KFP PipelineSpec: {error}")
            continue
        if not KFP_NAME.fullmatch(pipeline_spec.pipeline_info.name):
            problems.append(f"{describe(obj)}: spec.pipelineSpec.pipelineInfo.name "
                            f"{pipeline_spec.pipeline_info.name!r} must match ^[a-z0-9][a-z0-9-]{{0,127}}$")
        try:
            gpu_tasks_of(obj, all_tasks=True)  # parses the platform spec and each executor's config strictly
        except (json_format.ParseError, TypeError, AttributeError) as error:
            problems.append(f"{describe(obj)}: spec.platformSpec is not a KFP PlatformSpec: {error}")
    return problems


@dataclass(frozen=True)
class Workload:
    """Something that becomes a pod: where it asks to land, what it tolerates, the labels it carries."""
    name: str
    namespace: Optional[str]
    gpus: bool
    node_selector: dict
    tolerations: list
    labels: dict


def gpu_tasks_of(version: dict, all_tasks: bool = False) -> list[Workload]:
    """The pipeline's tasks as workloads, read through kfp's own protos (strictly)."""
    spec = version["spec"]
    pipeline_spec = _parse_strict(spec["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())
    platform = _parse_strict(spec.get("platformSpec") or {}, pipeline_spec_pb2.PlatformSpec())
    executors = platform.platforms["kubernetes"].deployment_spec.executors if "kubernetes" in platform.platforms \
        else {}
    workloads = []
    for name, executor in json_format.MessageToDict(pipeline_spec.deployment_spec).get("executors", {}).items():
        accelerator = executor.get("container", {}).get("resources", {}).get("accelerator", {})
        gpus = GPU_RESOURCE in (accelerator.get("resourceType"), accelerator.get("type"))
        config = kubernetes_executor_config_pb2.KubernetesExecutorConfig()
        if name in executors:
            _parse_strict(json_format.MessageToDict(executors[name]), config)
        workloads.append(Workload(
            name=f"{describe(version)} task {name}",
            namespace=version["metadata"].get("namespace"),
            gpus=gpus,
            node_selector=dict(config.node_selector.labels),
            tolerations=[{"key": t.key, "operator": t.operator, "value": t.value, "effect": t.effect}
                         for t in config.tolerations],
            labels=dict(config.pod_metadata.labels),
        ))
    return workloads if all_tasks else [w for w in workloads if w.gpus]


def _pod_template_workload(obj: dict) -> Optional[Workload]:
    if obj.get("kind") == "Pod":
        template = obj
    elif obj.get("kind") in _POD_TEMPLATE_KINDS:
        template = obj.get("spec", {}).get("template", {})
    elif obj.get("kind") == "CronJob":
        template = obj.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {})
    else:
        return None
    pod = template.get("spec", {})
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    gpus = any(GPU_RESOURCE in resources.get("limits", {}) or GPU_RESOURCE in resources.get("requests", {})
               for resources in (c.get("resources", {}) for c in containers))
    return Workload(describe(obj), obj.get("metadata", {}).get("namespace"), gpus, pod.get("nodeSelector", {}),
                    pod.get("tolerations", []), template.get("metadata", {}).get("labels", {}))


def workloads(objects: Iterable[dict]) -> list[Workload]:
    found = []
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) == (KFP_API_VERSION, "PipelineVersion"):
            found.extend(gpu_tasks_of(obj, all_tasks=True))
        elif (workload := _pod_template_workload(obj)) is not None:
            found.append(workload)
    return found


@dataclass(frozen=True)
class GpuPool:
    name: str
    labels: dict
    taints: list  # {key, value, effect} in Kubernetes spelling


def tolerates(tolerations: list, taint: dict) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint["effect"]:
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration["key"] == taint["key"]:
                return True
        elif toleration.get("key") == taint["key"] and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def selected_pools(workload: Workload, pools: list[GpuPool]) -> list[GpuPool]:
    """The pools whose labels satisfy the workload's nodeSelector (none when it selects nothing)."""
    return [p for p in pools if workload.node_selector
            and all(p.labels.get(k) == v for k, v in workload.node_selector.items())]


def check_gpu_placement(objects: list[dict], pools: list[GpuPool]) -> list[str]:
    """Every workload asking for nvidia.com/gpu selects a GPU pool and tolerates all of that pool's taints."""
    problems = []
    for workload in workloads(objects):
        if not workload.gpus:
            continue
        selected = selected_pools(workload, pools)
        if not selected:
            problems.append(f"{workload.name}: asks for {GPU_RESOURCE} but its nodeSelector "
                            f"{workload.node_selector} selects no GPU pool (" +
                            ", ".join(f"{p.name}: {p.labels}" for p in pools) + ")")
            continue
        untolerated = {p.name: [t for t in p.taints if not tolerates(workload.tolerations, t)] for p in selected}
        if all(untolerated.values()):
            problems.append(f"{workload.name}: selects " + ", ".join(untolerated) + " but does not tolerate " +
                            "; ".join(f"{name}: " + ", ".join(f"{t['key']}={t['value']}:{t['effect']}"
                                                              for t in taints)
                                      for name, taints in untolerated.items()))
    return problems


def check_services_select_something(objects: list[dict]) -> list[str]:
    """Every Service with a selector matches the pod labels of a workload in its namespace."""
    found = workloads(objects)
    problems = []
    for obj in objects:
        if obj.get("kind") != "Service" or not obj.get("spec", {}).get("selector"):
            continue
        selector, namespace = obj["spec"]["selector"], obj["metadata"].get("namespace")
        if not any(w.namespace == namespace and all(w.labels.get(k) == v for k, v in selector.items())
                   for w in found):
            problems.append(f"{describe(obj)}: selector {selector} matches no pod template or pipeline task in "
                            f"{namespace}; the Service would route nowhere")
    return problems
