"""Read a compiled pipeline back through kfp's own protos, strictly: an unknown field fails."""

from google.protobuf import json_format
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2
import yaml


def parse_compiled(text: str):
    """(PipelineSpec, {executor: KubernetesExecutorConfig}) of a compiled pipeline YAML."""
    pipeline_doc, platform_doc = yaml.safe_load_all(text)
    spec = json_format.ParseDict(pipeline_doc, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False)
    platform = json_format.ParseDict(platform_doc, pipeline_spec_pb2.PlatformSpec(), ignore_unknown_fields=False)
    executors = {
        name: json_format.ParseDict(json_format.MessageToDict(config),
                                    kubernetes_executor_config_pb2.KubernetesExecutorConfig(),
                                    ignore_unknown_fields=False)
        for name, config in platform.platforms["kubernetes"].deployment_spec.executors.items()
    }
    return spec, executors
