"""The cluster and node pool requests in the GKE API's own field names, checked against its discovery document.

pulumi-gcp speaks the Terraform provider's names (`nodeConfig.guestAccelerators[].type`); GKE speaks
`config.accelerators[].acceleratorType`. The renames below are the provider's documented mapping for the fields
this program sets; the discovery document shipped with google-api-python-client then decides what is valid.
"""

import json
from typing import Any, Callable

from googleapiclient.discovery_cache import get_static_doc

SCHEMAS = json.loads(get_static_doc("container", "v1"))["schemas"]

# Terraform-provider behaviour that is no API field: it decides what the provider does, not what GKE is sent.
PROVIDER_ONLY = {"removeDefaultNodePool", "deletionProtection", "project", "location", "cluster"}


def _renamed(value: dict, renames: dict[str, str]) -> dict:
    return {renames.get(key, key): item for key, item in value.items() if key not in PROVIDER_ONLY}


def _accelerator(accelerator: dict) -> dict:
    return _renamed(accelerator, {"type": "acceleratorType", "count": "acceleratorCount"})


def _node_config(config: dict) -> dict:
    api = _renamed(config, {"guestAccelerators": "accelerators"})
    if "accelerators" in api:
        api["accelerators"] = [_accelerator(a) for a in api["accelerators"]]
    return api


def node_pool_request(inputs: dict) -> dict:
    """Body of projects.locations.clusters.nodePools.create."""
    pool = _renamed(inputs, {"nodeConfig": "config", "nodeLocations": "locations"})
    if "config" in pool:
        pool["config"] = _node_config(pool["config"])
    if "autoscaling" in pool:
        pool["autoscaling"] = {"enabled": True, **pool["autoscaling"]}
    return {"parent": f"projects/{inputs.get('project')}/locations/{inputs.get('location')}/clusters/"
                      f"{inputs.get('cluster')}", "nodePool": pool}


def cluster_request(inputs: dict) -> dict:
    """Body of projects.locations.clusters.create."""
    cluster = _renamed(inputs, {"nodeLocations": "locations"})
    if cluster.pop("networkingMode", None) == "VPC_NATIVE":
        cluster["ipAllocationPolicy"] = {"useIpAliases": True, **cluster.get("ipAllocationPolicy", {})}
    if "enableShieldedNodes" in cluster:
        cluster["shieldedNodes"] = {"enabled": cluster.pop("enableShieldedNodes")}
    monitoring = cluster.pop("monitoringConfig", None)
    if monitoring is not None:
        cluster["monitoringConfig"] = {
            "componentConfig": {"enableComponents": monitoring.get("enableComponents", [])},
            "managedPrometheusConfig": monitoring.get("managedPrometheus", {}),
        }
    return {"parent": f"projects/{inputs.get('project')}/locations/{inputs.get('location')}", "cluster": cluster}


def conform(schema: str, value: Any, path: str, problems: list[str]) -> Any:
    """`value` encoded as the API's JSON (int64 as strings), with a problem for each field, type or enum it lacks."""
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object ({schema})")
        return value
    properties = SCHEMAS[schema]["properties"]
    encoded = {}
    for key, item in value.items():
        if key not in properties:
            problems.append(f"{path}.{key}: not a field of the GKE API's {schema}")
            encoded[key] = item
        else:
            encoded[key] = _conform_value(properties[key], item, f"{path}.{key}", problems)
    return encoded


def _conform_value(spec: dict, value: Any, path: str, problems: list[str]) -> Any:
    if "$ref" in spec:
        return conform(spec["$ref"], value, path, problems)
    kind = spec.get("type")
    checks: dict[str, Callable[[], Any]] = {
        "array": lambda: [_conform_value(spec["items"], v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
        if isinstance(value, list) else _wrong(path, "a list", value, problems),
        "object": lambda: {k: _conform_value(spec["additionalProperties"], v, f"{path}.{k}", problems)
                           for k, v in value.items()} if isinstance(value, dict) else _wrong(path, "a map", value,
                                                                                           problems),
        "boolean": lambda: value if isinstance(value, bool) else _wrong(path, "true or false", value, problems),
        "integer": lambda: value if isinstance(value, int) and not isinstance(value, bool)
        else _wrong(path, "an integer", value, problems),
    }
    if kind in checks:
        return checks[kind]()
    if kind == "string" and spec.get("format") in ("int64", "uint64"):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, str) and value.lstrip("-").isdigit() else \
            _wrong(path, "a 64-bit integer", value, problems)
    if kind == "string":
        if not isinstance(value, str):
            return _wrong(path, "a string", value, problems)
        if "enum" in spec and value not in spec["enum"]:
            problems.append(f"{path}: {value!r} is not one of the GKE API's values " + ", ".join(spec["enum"]))
        return value
    return value


def _wrong(path: str, expected: str, value: Any, problems: list[str]) -> Any:
    problems.append(f"{path}: expected {expected}, got {json.dumps(value)}")
    return value


def checked_cluster_request(inputs: dict, problems: list[str]) -> dict:
    request = cluster_request(inputs)
    request["cluster"] = conform("Cluster", request["cluster"], "cluster", problems)
    return request


def checked_node_pool_request(inputs: dict, problems: list[str]) -> dict:
    request = node_pool_request(inputs)
    name = inputs.get("name", "?")
    request["nodePool"] = conform("NodePool", request["nodePool"], f"nodePool {name}", problems)
    return request
