"""A node service account with only the roles nodes need, instead of the broad Compute Engine default account."""

import hashlib

import pulumi
import pulumi_gcp as gcp

# Logs, metrics and metadata for Cloud Operations, and image pulls from Artifact Registry: what a node does.
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)


def account_id(name: str) -> str:
    """A service account id (6 to 30 characters) for `name`, shortened with a hash so two pools never collide."""
    if len(name) <= 30:
        return name.ljust(6, "0")
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[:23].rstrip('-')}-{digest}"


def node_service_account(resource_name: str, account_name: str, project: str,
                         parent: pulumi.Resource) -> gcp.serviceaccount.Account:
    """The account and its project role bindings, all children of `parent`."""
    account = gcp.serviceaccount.Account(
        resource_name,
        account_id=account_id(account_name),
        display_name=f"GKE nodes of {account_name}",
        project=project,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for role in NODE_ROLES:
        gcp.projects.IAMMember(
            f"{resource_name}-{role.split('/')[1]}",
            project=project,
            role=role,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return account
