"""What the rules read: a change to any of it asks for a linter run once it commits."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from apps.accounts.models import User
from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Trial
from apps.findings.services import request_refresh
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import MLModel, OrganisationProfile, StackEntry

READ_BY_RULES = [StackEntry, Tool, Category, PainPoint, Trial, DecisionRecord, OrganisationProfile, MLModel,
                 Probe, User]


def changed(sender, raw=False, update_fields=None, action="post_", **kwargs):
    if raw or not action.startswith("post_"):
        return  # a fixture being loaded, or a link about to change
    if sender is User and update_fields and set(update_fields) <= {"last_login", "password"}:
        return  # a log-in
    request_refresh()


def connect():
    for model in READ_BY_RULES:
        post_save.connect(changed, sender=model, dispatch_uid=f"findings-saved-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"findings-deleted-{model.__name__}")
    for through in (StackEntry.pain_points.through, Tool.categories.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"findings-linked-{through.__name__}")
