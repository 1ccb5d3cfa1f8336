"""The three roles, as Django groups, and what each may do.

A user has one role. The groups are created by a data migration; their permissions are
synced from ROLE_PERMISSIONS after every migrate, so a new model's permissions reach the
roles as soon as its migration runs.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

LEAD = "lead"
EVALUATOR = "evaluator"
VIEWER = "viewer"

GROUP_NAMES = {LEAD: "Platform lead", EVALUATOR: "Evaluator", VIEWER: "Viewer"}
ROLE_CHOICES = [(role, name) for role, name in GROUP_NAMES.items()]

# Every role reads everything; these are what each may write, as app_label.codename.
_WRITE = {
    LEAD: [
        "accounts.add_team",
        "accounts.change_team",
        "notifications.add_channel",
        "notifications.delete_channel",
        "catalog.add_tool",
        "catalog.change_tool",
        "painpoints.add_painpoint",
        "painpoints.change_painpoint",
        "stack.add_stackentry",
        "stack.change_stackentry",
        "stack.add_mlmodel",
        "stack.change_mlmodel",
        "stack.import_stackfile",
        "stack.change_organisationprofile",
        "probes.add_probe",
        "probes.change_probe",
        "accounts.add_apitoken",
        "accounts.change_apitoken",
        "evaluations.add_evaluation",
        "evaluations.change_evaluation",
        "evaluations.change_trial",
        "evaluations.add_triallogentry",
        "evaluations.add_decisionrecord",
        "evaluations.change_decisionrecord",
        "reviews.add_review",
        "reviews.change_review",
        "reviews.change_reviewitem",
        "reviews.change_task",
        "findings.add_acceptance",
        "findings.change_acceptance",
        "findings.delete_acceptance",
        "discovery.add_discoverysource",
        "discovery.change_discoverysource",
        "discovery.delete_discoverysource",
        "discovery.change_discoveredtool",
    ],
    EVALUATOR: [
        "painpoints.add_painpoint",
        "painpoints.change_painpoint",
        "stack.add_stackentry",
        "evaluations.add_evaluation",
        "evaluations.change_trial",
        "evaluations.add_triallogentry",
    ],
    VIEWER: [],
}
_READ_APPS = ["accounts", "catalog", "painpoints", "stack", "probes", "discovery", "evaluations", "reviews"]


def permissions_for(role: str, Permission) -> list:
    """The Permission rows a role's group should hold."""
    perms = list(
        Permission.objects.filter(
            content_type__app_label__in=_READ_APPS, codename__startswith="view_"
        )
    )
    for name in _WRITE[role]:
        app_label, codename = name.split(".")
        perms.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return perms


def sync_role_permissions(sender=None, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """post_migrate (and after a flush): each role's group exists and holds exactly the
    permissions listed above."""
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for role, group_name in GROUP_NAMES.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        group.permissions.set(permissions_for(role, Permission))


def is_owner_or_lead(user, thing) -> bool:
    """Whether `user` may act on `thing` (a stack entry, a review task) as its owner does: the
    owner may, and so may anyone whose role changes every such thing (a lead)."""
    meta = thing._meta
    if not (user.is_authenticated and user.is_active):
        return False
    return user.pk == thing.owner_id or user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
