"""A cluster someone already runs (kind with GPUs, a lab cluster): reached through a kubeconfig context.

No Google Cloud resource is declared; the GPU pools are nodes the operator labelled and tainted by hand.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from settings import ClusterSettings


@dataclass(frozen=True)
class ExistingClusterArgs:
    settings: ClusterSettings


class ExistingCluster(pulumi.ComponentResource):
    """The Kubernetes provider for a cluster from the local kubeconfig (its current context unless named)."""

    name: str
    provider: k8s.Provider

    def __init__(self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:ExistingCluster", name, None, opts)
        self.name = args.settings.name
        self.context = args.settings.kubeconfig_context
        self.provider = k8s.Provider(f"{name}-k8s", context=self.context, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"name": self.name, "context": self.context})
