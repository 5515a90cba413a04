"""`gpu-kubeflow:kubeflow`: which Kubeflow Pipelines backend to install, and where."""

from dataclasses import dataclass
import re
from typing import Any, Optional

from settings.reader import Problems, Section

KUBEFLOW_KEY = "gpu-kubeflow:kubeflow"
# The newest KFP backend release, and the cert-manager release it is installed with.
DEFAULT_KFP_VERSION = "2.17.0"
DEFAULT_CERT_MANAGER_VERSION = "v1.19.4"
# The upstream k8s-native manifests pin their namespace (webhook client configs included).
UPSTREAM_NAMESPACE = "kubeflow"

_KFP_TAG = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
_CERT_MANAGER_TAG = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class KubeflowSettings:
    install: bool
    version: str
    namespace: str
    cert_manager_version: str


def read_kubeflow(problems: Problems, raw: Any) -> Optional[KubeflowSettings]:
    section = Section(problems, KUBEFLOW_KEY, raw, ("install", "version", "namespace", "certManagerVersion"))
    install = section.boolean("install", True)
    namespace = section.string("namespace", UPSTREAM_NAMESPACE, pattern=_DNS_LABEL,
                               described="expected a namespace name: lowercase letters, digits and '-', "
                                         "at most 63 characters")
    if install and namespace not in (None, UPSTREAM_NAMESPACE):
        problems.add(section.key_path("namespace"), namespace,
                     f"the upstream Kubernetes-native manifests install into {UPSTREAM_NAMESPACE}; "
                     "another namespace only with install: false (a KFP that is already there)")
        namespace = None
    values = dict(
        install=install,
        version=section.string("version", DEFAULT_KFP_VERSION, pattern=_KFP_TAG,
                               described="expected a KFP release tag such as 2.17.0 (Kubernetes-native "
                                         "pipelines need 2.5.0 or later)"),
        namespace=namespace,
        cert_manager_version=section.string("certManagerVersion", DEFAULT_CERT_MANAGER_VERSION,
                                            pattern=_CERT_MANAGER_TAG,
                                            described="expected a cert-manager release tag such as v1.19.4"),
    )
    version = values["version"]
    if version is not None and tuple(map(int, version.split("."))) < (2, 5, 0):
        problems.add(section.key_path("version"), version,
                     "Kubernetes-native pipelines (Pipeline and PipelineVersion resources) need KFP 2.5.0 or later")
        values["version"] = None
    if any(v is None for v in values.values()):
        return None
    return KubeflowSettings(**values)
