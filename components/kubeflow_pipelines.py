"""Kubeflow Pipelines standalone, in Kubernetes-native API mode, from the release's own kustomize sources.

Nothing upstream is copied here: cert-manager comes from its release manifest and KFP from its repository at
the pinned tag, both expanded by the Kubernetes provider at `pulumi up`. Order is explicit: cert-manager (its
webhook ready) before KFP's cluster-scoped resources, those before the k8s-native environment, whose
`ml-pipeline` API server must be ready before a pipeline is registered (its admission webhooks reject
pipelines while it is down). Nothing here waits on the GPU pools: KFP's own pods run on the system pool.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from settings.kubeflow import KubeflowSettings

CERT_MANAGER_MANIFEST = "https://github.com/cert-manager/cert-manager/releases/download/{version}/cert-manager.yaml"
# kustomize's remote-target form: repository, '//', folder, '?ref=' tag.
KFP_KUSTOMIZATION = "https://github.com/kubeflow/pipelines//manifests/kustomize/{folder}?ref={version}"
KFP_CLUSTER_SCOPED = "env/cert-manager/cluster-scoped-resources"
KFP_K8S_NATIVE = "env/cert-manager/platform-agnostic-k8s-native"


@dataclass(frozen=True)
class KubeflowPipelinesArgs:
    settings: KubeflowSettings
    provider: k8s.Provider


def kfp_kustomization(folder: str, version: str) -> str:
    return KFP_KUSTOMIZATION.format(folder=folder, version=version)


class KubeflowPipelines(pulumi.ComponentResource):
    """cert-manager, then KFP's cluster-scoped resources, then the k8s-native environment."""

    namespace: str
    api_server_ready: list[pulumi.Resource]

    def __init__(self, name: str, args: KubeflowPipelinesArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:KubeflowPipelines", name, None, opts)
        settings = args.settings
        self.namespace = settings.namespace

        def step(depends_on: list) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=depends_on)

        self.cert_manager = k8s.yaml.v2.ConfigFile(
            f"{name}-cert-manager",
            file=CERT_MANAGER_MANIFEST.format(version=settings.cert_manager_version),
            opts=step([]),
        )
        self.cluster_scoped = k8s.kustomize.v2.Directory(
            f"{name}-cluster-scoped",
            directory=kfp_kustomization(KFP_CLUSTER_SCOPED, settings.version),
            opts=step([self.cert_manager]),
        )
        self.k8s_native = k8s.kustomize.v2.Directory(
            f"{name}-k8s-native",
            directory=kfp_kustomization(KFP_K8S_NATIVE, settings.version),
            opts=step([self.cert_manager, self.cluster_scoped]),
        )
        # The v2 components finish only when every child is ready, the ml-pipeline Deployment included.
        self.api_server_ready = [self.k8s_native]
        self.register_outputs({"namespace": self.namespace, "version": settings.version})
