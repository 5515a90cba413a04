"""Render a stack offline: run the real `__main__.py` under the mock engine, write what it would create, check it.

    python -m tools.render --stack dev            # writes build/dev/ and prints the summary
    python -m tools.render --all --out /tmp/out   # every stack file in stacks/

Same code path as `pulumi up`; only the engine is local. Exits non-zero when a stack's settings or any check
fail, with the problems listed.
"""

import argparse
from collections import Counter
from dataclasses import dataclass, field
import json
from pathlib import Path
import shutil
import sys
import time

import yaml

from pipelines.gpu_pipeline import compile_for_stack
from settings import Settings, SettingsError, load_settings
from tools import checks, gke_api
from tools.mock_engine import ROOT, Run, run_program, stack_file_config, stack_names, unknown_until_deployed

# GKE picks the cluster's version from its release channel when it is created; the schemas checked against are
# those of this minor unless --kubernetes-version says otherwise.
DEFAULT_KUBERNETES_VERSION = "1.34"
CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
GKE_TAINT_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule",
                     "NO_EXECUTE": "NoExecute"}


@dataclass
class Rendered:
    stack: str
    run: Run
    settings: Settings
    objects: list[dict]
    gke_requests: dict[str, dict]
    compiled_pipeline: str
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def kubernetes_objects(run: Run) -> list[dict]:
    """Every Kubernetes object the program declares, as `kubectl apply` takes it."""
    return [r.inputs for r in run.resources
            if r.type.startswith("kubernetes:") and r.custom and not r.remote]


def gpu_pools(rendered_requests: dict[str, dict], run: Run) -> list[checks.GpuPool]:
    """The GPU pools as the cluster will see them: GKE's requests, or an existing cluster's labelled nodes."""
    pools = []
    for request in rendered_requests.values():
        pool = request.get("nodePool", {})
        config = pool.get("config", {})
        if config.get("accelerators"):
            pools.append(checks.GpuPool(pool["name"], config.get("labels", {}), [
                {**t, "effect": GKE_TAINT_EFFECTS.get(t["effect"], t["effect"])} for t in config.get("taints", [])]))
    if not rendered_requests:
        for name, placement in run.outputs.get("gpuPools", {}).items():
            pools.append(checks.GpuPool(name, placement["nodeSelector"], [
                {k: t[k] for k in ("key", "value", "effect")} for t in placement["tolerations"]]))
    return pools


def render(stack: str, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION) -> Rendered:
    config = stack_file_config(stack)
    run = run_program(config, stack)
    settings = load_settings(config)
    gke_problems: list[str] = []
    requests = {}
    for resource in run.of_type(CLUSTER):
        requests["cluster.json"] = gke_api.checked_cluster_request(resource.inputs, gke_problems)
    for resource in run.of_type(NODE_POOL):
        requests[f"nodepool-{resource.inputs['name']}.json"] = gke_api.checked_node_pool_request(
            resource.inputs, gke_problems)
    objects = kubernetes_objects(run)
    rendered = Rendered(stack, run, settings, objects, requests, compile_for_stack(settings))
    rendered.problems = {
        f"Kubernetes {kubernetes_version} schemas (strict)": checks.check_kubernetes_schemas(objects,
                                                                                            kubernetes_version),
        "KFP admission rules": checks.check_kfp_resources(objects),
        "GKE API fields and values": gke_problems,
        "GPU workloads land on a GPU pool": checks.check_gpu_placement(objects, gpu_pools(requests, run)),
        "Services select a workload": checks.check_services_select_something(objects),
    }
    return rendered


def object_path(obj: dict) -> str:
    metadata = obj.get("metadata", {})
    return f"kubernetes/{metadata.get('namespace') or 'cluster-scoped'}/{obj['kind'].lower()}-{metadata['name']}.yaml"


def write(rendered: Rendered, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    for obj in rendered.objects:
        path = folder / object_path(obj)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(obj, sort_keys=True))  # apiVersion, kind, metadata, spec: kubectl's order
    for name, request in rendered.gke_requests.items():
        path = folder / "gke" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(request, indent=2) + "\n")
    pipeline = folder / "pipeline" / f"{rendered.settings.pipeline.name}.yaml"
    pipeline.parent.mkdir(parents=True, exist_ok=True)
    pipeline.write_text(rendered.compiled_pipeline)
    (folder / "summary.txt").write_text(summary(rendered) + "\n")


def _pool_lines(settings: Settings) -> list[str]:
    if not settings.cluster.is_gke:
        return [f"  {pool.name}: existing nodes labelled {dict(pool.labels)} and tainted "
                + ", ".join(f"{t.key}={t.value}:{t.effect}" for t in pool.taints)
                + f"; {pool.gpus_per_node} nvidia.com/gpu per node" for pool in settings.gpu_pools]
    lines = []
    for pool in settings.gpu_pools:
        per_node = f"{pool.accelerator_count} x {pool.accelerator_type}"
        if pool.mig_partition_size:
            per_node += f" as {pool.gpus_per_node} x {pool.mig_partition_size} MIG partitions"
        most = pool.max_nodes * pool.gpus_per_node
        capacity = f"up to {most} nvidia.com/gpu"
        if pool.sharing:
            per_node += (f", {pool.sharing.strategy} by up to {pool.sharing.max_shared_clients_per_gpu} "
                         "containers per GPU")
            capacity += f" ({most * pool.sharing.max_shared_clients_per_gpu} shared slots)"
        lines.append(f"  {pool.name}: {pool.machine_type}, {per_node}; {pool.min_nodes} to {pool.max_nodes} nodes "
                     f"-> {capacity}; {'spot' if pool.spot else 'on-demand'}")
    return lines


def _landing_lines(rendered: Rendered) -> list[str]:
    pools = gpu_pools(rendered.gke_requests, rendered.run)
    lines = []
    for workload in checks.workloads(rendered.objects):
        if not workload.gpus:
            continue
        landing = [p.name for p in checks.selected_pools(workload, pools)]
        tolerations = ", ".join(f"{t['key']}={t['value']}:{t['effect']}" for t in workload.tolerations)
        lines.append(f"  {workload.name} -> pool {', '.join(landing) or 'NONE'}: nodeSelector "
                     f"{workload.node_selector} matches the pool's labels; tolerates {tolerations}; "
                     f"pod labels {workload.labels}")
    return lines


def _service_lines(rendered: Rendered) -> list[str]:
    service = rendered.settings.service
    if service is None:
        return ["  disabled"]
    if service.type == "ClusterIP":
        who = "clients inside the cluster only"
    elif service.type == "NodePort":
        who = "anyone who can reach a node's address on the node port"
    elif service.internal:
        who = "clients in the VPC (GKE internal passthrough load balancer)"
        if service.source_ranges:
            who += ", from " + ", ".join(service.source_ranges)
    elif "0.0.0.0/0" in service.source_ranges:
        who = "THE WHOLE INTERNET (sourceRanges 0.0.0.0/0, written out in the stack file)"
    else:
        who = "only " + ", ".join(service.source_ranges) + " (external load balancer)"
    endpoint = rendered.run.outputs.get("serviceEndpoint", "")
    stand_in = " (the address is a stand-in until the cloud assigns it)" if service.type == "LoadBalancer" else ""
    return [f"  {service.type} {service.name} -> {endpoint}{stand_in}", f"  reachable by: {who}"]


def _later_lines(rendered: Rendered) -> list[str]:
    lines = []
    for resource in rendered.run.resources:
        for output in unknown_until_deployed(resource):
            lines.append(f"  {resource.type} {resource.name}: {output}")
        if resource.remote:
            source = resource.inputs.get("directory") or resource.inputs.get("file")
            lines.append(f"  {resource.type} {resource.name}: its objects, expanded by the provider from {source}")
    if rendered.run.of_type(CLUSTER):
        lines.append("  the kubeconfig (from the cluster's endpoint and CA certificate)")
    return lines or ["  nothing"]


def summary(rendered: Rendered) -> str:
    run = rendered.run
    lines = [f"stack {rendered.stack}: {len(run.resources)} resources"]
    lines += [f"  {count:3d}  {type_}" for type_, count in sorted(Counter(r.type for r in run.resources).items())]
    lines += ["GPU pools:", *_pool_lines(rendered.settings)]
    lines += ["where the pipeline's GPU task lands:", *_landing_lines(rendered)]
    lines += ["the Service:", *_service_lines(rendered)]
    lines += ["what a real preview still fills in (values only the cloud knows):", *_later_lines(rendered)]
    lines.append("checks:")
    for name, problems in rendered.problems.items():
        lines.append(f"  {'ok  ' if not problems else 'FAIL'} {name}")
        lines += [f"       - {problem}" for problem in problems]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="a stack file's name: stacks/Pulumi.<stack>.yaml")
    which.add_argument("--all", action="store_true", help="every stack file in stacks/")
    parser.add_argument("--out", default=str(ROOT / "build"), help="write into OUT/<stack>/ (default: build)")
    parser.add_argument("--kubernetes-version", default=DEFAULT_KUBERNETES_VERSION,
                        help=f"the minor whose schemas objects are checked against (default {DEFAULT_KUBERNETES_VERSION})")
    args = parser.parse_args(argv)
    stacks = stack_names() if args.all else [args.stack]
    failed = []
    for index, stack in enumerate(stacks, 1):
        started = time.monotonic()
        print(f"[{index}/{len(stacks)}] rendering stack {stack} ...", file=sys.stderr, flush=True)
        try:
            rendered = render(stack, args.kubernetes_version)
        except (SettingsError, FileNotFoundError) as error:
            print(f"stack {stack}: {error}", file=sys.stderr)
            failed.append(stack)
            continue
        folder = Path(args.out) / stack
        write(rendered, folder)
        print(summary(rendered))
        print(f"[{index}/{len(stacks)}] {stack}: wrote {folder} in {time.monotonic() - started:.1f}s"
              f"{'' if rendered.ok else ', CHECKS FAILED'}", file=sys.stderr, flush=True)
        if not rendered.ok:
            failed.append(stack)
    if failed:
        print(f"problems in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
