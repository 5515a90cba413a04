"""The Service in front of the pipeline's GPU pods: it selects the labels the GPU task's pod really carries.

The seed's Service selected `app: gpu-node-pipeline`, a label no pod had, and was open to the internet. Here the
selector and target port are the pipeline's own pod labels and port, and an external load balancer exists only
when its source ranges are written down.
"""

from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from settings.pipeline import PipelineSettings
from settings.service import ServiceSettings

INTERNAL_LB_ANNOTATION = "networking.gke.io/load-balancer-type"


@dataclass(frozen=True)
class GpuServiceArgs:
    service: ServiceSettings
    pipeline: PipelineSettings
    namespace: str  # where KFP runs the pipeline's pods
    provider: k8s.Provider
    project: Optional[str] = None  # gke mode: where a static address is reserved
    region: Optional[str] = None
    depends_on: list = field(default_factory=list)  # the namespace comes with KFP


class GpuService(pulumi.ComponentResource):
    """A LoadBalancer, NodePort or ClusterIP Service for the GPU task's pods."""

    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: GpuServiceArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:GpuService", name, None, opts)
        service, pipeline = args.service, args.pipeline

        annotations = {INTERNAL_LB_ANNOTATION: "Internal"} if service.internal else {}
        spec = {
            "type": service.type,
            "selector": pipeline.pod_labels,
            "ports": [{"name": "http", "protocol": "TCP", "port": service.port, "targetPort": pipeline.port,
                       **({"nodePort": service.node_port} if service.node_port else {})}],
        }
        if service.source_ranges:
            spec["loadBalancerSourceRanges"] = list(service.source_ranges)
        self.address = None
        if service.static_ip:
            self.address = gcp.compute.Address(  # auto-named, so stacks sharing a project never collide
                f"{name}-address",
                project=args.project,
                region=args.region,
                address_type="INTERNAL" if service.internal else "EXTERNAL",
                opts=pulumi.ResourceOptions(parent=self),
            )
            spec["loadBalancerIP"] = self.address.address

        self.service = k8s.core.v1.Service(
            name,
            metadata={"name": service.name, "namespace": args.namespace, "annotations": annotations,
                      "labels": {"app.kubernetes.io/part-of": "gpu-kubeflow"}},
            spec=spec,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.depends_on),
        )
        if service.type == "ClusterIP":
            self.endpoint = pulumi.Output.from_input(
                f"http://{service.name}.{args.namespace}.svc.cluster.local:{service.port}")
        elif service.type == "NodePort":
            self.endpoint = self.service.spec.ports[0].node_port.apply(lambda port: f"http://<node-address>:{port}")
        else:
            ingress_ip = self.service.status.load_balancer.ingress.apply(lambda ingress: ingress[0].ip)
            address = self.address.address if self.address else ingress_ip
            self.endpoint = address.apply(lambda ip: f"http://{ip}:{service.port}")
        self.register_outputs({"endpoint": self.endpoint})
