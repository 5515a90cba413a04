"""Run the real `__main__.py` under Pulumi's mock engine and record everything it asks the engine for.

This is the test bed and the offline render alike: the program runs exactly as under `pulumi up`, only the
engine is local. Each registration keeps what a real engine would see (type, name, wire inputs, parent,
dependencies, provider), which pulumi's own `MockResourceArgs` leaves out.
"""

import asyncio
import base64
from dataclasses import dataclass, field
import json
from pathlib import Path
import runpy
import sys
from typing import Any, Callable, Optional

import pulumi
from pulumi.runtime import mocks as pulumi_mocks, rpc, settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs
import yaml

from components.gpu_service import INTERNAL_LB_ANNOTATION

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "__main__.py"
STACKS = ROOT / "stacks"
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]


def _plain(value: Any) -> Any:
    """Secrets unwrapped, and whole numbers as ints: the wire has only JSON numbers, so 1.0 is 1."""
    if rpc.is_rpc_secret(value):
        return _plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Registration:
    """One RegisterResource request, as the engine would receive it."""

    type: str
    name: str
    urn: str
    custom: bool
    remote: bool
    parent: str
    provider: str
    dependencies: list[str]
    inputs: dict
    secret_inputs: set[str] = field(default_factory=set)

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


def _cluster_outputs(inputs: dict) -> tuple[dict, tuple[str, ...]]:
    ca = base64.b64encode(b"cluster CA certificate, issued by GKE").decode()
    return ({"endpoint": "203.0.113.10", "masterAuth": {"clusterCaCertificate": ca}},
            ("endpoint", "masterAuth.clusterCaCertificate"))


def _account_outputs(inputs: dict) -> tuple[dict, tuple[str, ...]]:
    email = f"{inputs['accountId']}@{inputs.get('project', 'my-project')}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}"}, ()  # derived from the inputs, as GCP does


def _address_outputs(inputs: dict) -> tuple[dict, tuple[str, ...]]:
    internal = inputs.get("addressType", "EXTERNAL") == "INTERNAL"
    return {"address": "10.128.0.20" if internal else "203.0.113.20"}, ("address",)


def _service_outputs(inputs: dict) -> tuple[dict, tuple[str, ...]]:
    spec = inputs.get("spec", {})
    filled = []
    ports = []
    for i, port in enumerate(spec.get("ports", [])):
        if spec.get("type") in ("NodePort", "LoadBalancer") and "nodePort" not in port:
            port = {**port, "nodePort": 30000 + i}
            filled.append(f"spec.ports[{i}].nodePort")
        ports.append(port)
    outputs = {"spec": {**spec, "ports": ports}}
    if spec.get("type") == "LoadBalancer":
        internal = inputs.get("metadata", {}).get("annotations", {}).get(INTERNAL_LB_ANNOTATION)
        ip = spec.get("loadBalancerIP") or ("10.128.0.30" if internal == "Internal" else "203.0.113.30")
        outputs["status"] = {"loadBalancer": {"ingress": [{"ip": ip}]}}
        if "loadBalancerIP" not in spec:
            filled.append("status.loadBalancer.ingress[0].ip")
    return outputs, tuple(filled)


# What a real engine learns only from the cloud (or the cluster), with the stand-in values the mocks answer:
# each function returns the outputs and the names of those a real preview shows as unknown.
CLOUD_OUTPUTS: dict[str, Callable[[dict], tuple[dict, tuple[str, ...]]]] = {
    "gcp:container/cluster:Cluster": _cluster_outputs,
    "gcp:serviceaccount/account:Account": _account_outputs,
    "gcp:compute/address:Address": _address_outputs,
    "kubernetes:core/v1:Service": _service_outputs,
}


def unknown_until_deployed(resource: "Registration") -> tuple[str, ...]:
    """The outputs of `resource` that only the cloud or the cluster can tell."""
    return CLOUD_OUTPUTS[resource.type](resource.inputs)[1] if resource.type in CLOUD_OUTPUTS else ()


class PlatformMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        if args.typ in CLOUD_OUTPUTS:
            state.update(CLOUD_OUTPUTS[args.typ](args.inputs)[0])
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        raise NotImplementedError(f"the program called {args.token}; it is meant to need no lookups")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            self.registrations.append(Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                custom=request.custom,
                remote=request.remote,
                parent=request.parent,
                provider=request.provider,
                dependencies=list(request.dependencies),
                inputs=_plain(inputs),
                secret_inputs={k for k, v in inputs.items() if rpc.is_rpc_secret(v)},
            ))
        return response


@dataclass
class Run:
    """What one run of the program declared, and the stack outputs it exported."""

    stack: str
    resources: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: set[str]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: Optional[str] = None) -> Registration:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)

    def ancestors(self, resource: Registration) -> list[Registration]:
        chain, urns = [], {r.urn for r in self.resources}
        while resource.parent in urns:
            resource = self.by_urn(resource.parent)
            chain.append(resource)
        return chain

    def depends_on(self, resource: Registration, other: Registration) -> bool:
        """Whether the engine will finish `other` before `resource`: a direct edge, or one on an ancestor."""
        for node in [resource, *self.ancestors(resource)]:
            if other.urn in node.dependencies:
                return True
        return False


def stack_file_config(stack: str) -> dict[str, Any]:
    """The `config:` of stacks/Pulumi.<stack>.yaml, as plain values."""
    path = STACKS / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml")))
        raise FileNotFoundError(f"no stack file {path.relative_to(ROOT)}; the stacks are {known}")
    return (yaml.safe_load(path.read_text()) or {}).get("config") or {}


def stack_names() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml"))


def run_program(config: dict[str, Any], stack: str = "test") -> Run:
    """Run `__main__.py` once on a fresh event loop with `config` (plain values) and return what it declared.

    An exception raised by the program (a SettingsError, for one) propagates, with `.run` set to what had been
    registered by then, so a caller can check that nothing was.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = RecordingMonitor(PlatformMocks())
    try:
        runtime_settings.reset_options(project=PROJECT, stack=stack, preview=False)
        # The engine hands every config value over as text, objects as JSON.
        set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()})
        pulumi.runtime.set_mocks(PlatformMocks(), project=PROJECT, stack=stack, preview=False, monitor=monitor)
        try:
            runpy.run_path(str(PROGRAM), run_name="__main__")
            loop.run_until_complete(wait_for_rpcs())
        except Exception as error:
            try:  # let the registrations already queued finish, so the loop closes clean
                loop.run_until_complete(wait_for_rpcs())
            except Exception:  # noqa: BLE001 the program's own error is the one to report
                pass
            error.run = Run(stack, list(monitor.registrations), {}, set())
            raise
        root = runtime_settings.get_root_resource()
        outputs, secret = {}, set()
        for key, value in root.outputs.items():
            output = pulumi.Output.from_input(value)
            outputs[key] = loop.run_until_complete(output.future())
            if loop.run_until_complete(output.is_secret()):
                secret.add(key)
        return Run(stack, list(monitor.registrations), outputs, secret)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
