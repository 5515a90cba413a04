"""The compiled GPU pipeline as KFP's own custom resources, so a preview shows a pipeline change as a diff.

The PipelineVersion's name carries a hash of the compiled pipeline: an unchanged pipeline keeps its name (no
diff), a changed one gets a new version that replaces the old. KFP forbids changing a version's spec, so it is
never updated in place.
"""

from dataclasses import dataclass, field
import hashlib

import pulumi
import pulumi_kubernetes as k8s
import yaml

KFP_API_VERSION = "pipelines.kubeflow.org/v2beta1"


def version_name(pipeline_name: str, compiled: str) -> str:
    return f"{pipeline_name}-{hashlib.sha256(compiled.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class PipelineRegistrationArgs:
    compiled: str  # the compiled pipeline YAML: PipelineSpec, then the Kubernetes platform spec
    namespace: str
    provider: k8s.Provider
    depends_on: list = field(default_factory=list)  # what must be ready first: KFP's API server


class PipelineRegistration(pulumi.ComponentResource):
    pipeline_name: str
    version_name: str

    def __init__(self, name: str, args: PipelineRegistrationArgs, opts: pulumi.ResourceOptions = None):
        super().__init__("gpu-kubeflow:index:PipelineRegistration", name, None, opts)
        pipeline_spec, platform_spec = yaml.safe_load_all(args.compiled)
        info = pipeline_spec["pipelineInfo"]
        self.pipeline_name = info["name"]
        self.version_name = version_name(self.pipeline_name, args.compiled)

        self.pipeline = k8s.apiextensions.CustomResource(
            f"{name}-pipeline",
            api_version=KFP_API_VERSION,
            kind="Pipeline",
            metadata={"name": self.pipeline_name, "namespace": args.namespace},
            spec={"description": info.get("description", "")},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.depends_on),
        )
        self.version = k8s.apiextensions.CustomResource(
            f"{name}-version",
            api_version=KFP_API_VERSION,
            kind="PipelineVersion",
            metadata={"name": self.version_name, "namespace": args.namespace},
            spec={
                "pipelineName": self.pipeline_name,
                "displayName": self.version_name,
                "description": info.get("description", ""),
                "pipelineSpec": pipeline_spec,
                "platformSpec": platform_spec,
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                        depends_on=[*args.depends_on, self.pipeline],
                                        replace_on_changes=["spec"]),
        )
        self.register_outputs({"pipelineName": self.pipeline_name, "versionName": self.version_name})
