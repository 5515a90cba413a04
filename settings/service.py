"""`gpu-kubeflow:service`: how the pipeline's GPU pods are reached. Nothing is open to the internet by default."""

from dataclasses import dataclass
import ipaddress
import re
from typing import Any, Optional

from settings.reader import Problems, Section

SERVICE_KEY = "gpu-kubeflow:service"
SERVICE_TYPES = ("LoadBalancer", "NodePort", "ClusterIP")
NODE_PORT_RANGE = (30000, 32767)  # the default --service-node-port-range of kube-apiserver, and GKE's
_DNS_1035 = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
OPEN_DELIBERATELY = ("an external LoadBalancer needs sourceRanges: list the client CIDRs, or write "
                     "sourceRanges: [0.0.0.0/0] to open it to the whole internet deliberately; "
                     "or set internal: true (VPC only)")


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    type: str
    port: int
    source_ranges: tuple[str, ...]
    internal: bool
    static_ip: bool
    node_port: Optional[int]


def read_service(problems: Problems, raw: Any, on_gke: bool) -> Optional[ServiceSettings]:
    """The Service settings, or None when `enabled: false` or when they have problems."""
    section = Section(problems, SERVICE_KEY, raw, (
        "enabled", "name", "type", "port", "sourceRanges", "internal", "staticIp", "nodePort"))
    enabled = section.boolean("enabled", True)
    # Safe defaults: an internal load balancer on GKE, a NodePort on an existing cluster.
    service_type = section.string("type", "LoadBalancer" if on_gke else "NodePort", choices=SERVICE_TYPES)
    internal = section.boolean("internal", on_gke and service_type == "LoadBalancer")
    static_ip = section.boolean("staticIp", False)
    for key, value in (("internal", internal), ("staticIp", static_ip)):
        if value and not on_gke:
            problems.add(section.key_path(key), value, "GKE load balancer features: only in gke mode")
        elif value and service_type not in (None, "LoadBalancer"):
            problems.add(section.key_path(key), value, f"applies to type LoadBalancer, not {service_type}")
    source_ranges = section.strings("sourceRanges", ())
    for i, cidr in enumerate(source_ranges or ()):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError as why:
            problems.add(f"{section.key_path('sourceRanges')}[{i}]", cidr,
                         f"expected a CIDR such as 203.0.113.0/24 ({why})")
    if source_ranges and service_type in ("NodePort", "ClusterIP"):
        problems.add(section.key_path("sourceRanges"), list(source_ranges),
                     f"only a LoadBalancer enforces source ranges; a {service_type} would not")
    if service_type == "LoadBalancer" and internal is False and not source_ranges and enabled:
        problems.add(section.key_path("sourceRanges"), list(source_ranges or ()), OPEN_DELIBERATELY)
    node_port = section.integer("nodePort", None, low=NODE_PORT_RANGE[0], high=NODE_PORT_RANGE[1])
    if section.given("nodePort") and service_type not in (None, "NodePort"):
        problems.add(section.key_path("nodePort"), section.raw["nodePort"], "only with type NodePort")
    values = dict(
        name=section.string("name", "gpu-node-pipeline-service", pattern=_DNS_1035,
                            described="expected a Service name: a lowercase letter, then lowercase letters, "
                                      "digits or '-', at most 63 characters"),
        type=service_type, port=section.integer("port", 80, low=1, high=65535),
        source_ranges=source_ranges, internal=internal, static_ip=static_ip,
    )
    if not enabled or any(v is None for v in values.values()):
        return None
    return ServiceSettings(**values, node_port=node_port)
