"""What the rules and the overview read: a change to any of it, once it commits, asks for a
linter run and moves the stack to its next version."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from apps.accounts.models import User
from apps.catalog.models import Category, Tool
from apps.discovery.models import DiscoveredTool
from apps.evaluations.models import DecisionRecord, Trial
from apps.findings.services import entry_refresh, request_refresh
from apps.lib import changes
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import MLModel, OrganisationProfile, StackEntry, StackVersion
from apps.stack.signals import entry_edited

CATEGORIES_OF_TOOLS, PAIN_POINTS_OF_ENTRIES = Tool.categories.through, StackEntry.pain_points.through
READ_BY_RULES = {StackEntry, Tool, Category, PainPoint, Trial, DecisionRecord, OrganisationProfile, MLModel, Probe,
                 User, DiscoveredTool, CATEGORIES_OF_TOOLS, PAIN_POINTS_OF_ENTRIES}
# The overview's summary (apps.reviews.dashboard.live_dashboard); its findings per tool move
# the version when a linter run stores them, and the reviews app moves it for a review.
READ_BY_OVERVIEW = {StackEntry, Tool, Category, OrganisationProfile, DiscoveredTool, CATEGORIES_OF_TOOLS}


def changed(sender, raw=False, update_fields=None, action="post_", **kwargs):
    if raw or not action.startswith("post_"):
        return  # a fixture being loaded, or a link about to change
    if sender is User and update_fields and set(update_fields) <= {"last_login", "password"}:
        return  # a log-in
    if not changes.held(sender):  # a block of changes tells them when it ends
        _tell({sender})


def _tell(senders: set) -> None:
    if senders & READ_BY_RULES:
        request_refresh()
    if senders & READ_BY_OVERVIEW:
        transaction.on_commit(StackVersion.bump)


def _entry_edited(sender, *, entry, now, **kwargs):
    entry_refresh(entry, now)


def connect():
    changes.listen(_tell)
    entry_edited.connect(_entry_edited, dispatch_uid="findings-entry-edited")
    for model in READ_BY_RULES | READ_BY_OVERVIEW:
        if model in (CATEGORIES_OF_TOOLS, PAIN_POINTS_OF_ENTRIES):
            m2m_changed.connect(changed, sender=model, dispatch_uid=f"stack-linked-{model.__name__}")
        else:
            post_save.connect(changed, sender=model, dispatch_uid=f"stack-saved-{model.__name__}")
            post_delete.connect(changed, sender=model, dispatch_uid=f"stack-deleted-{model.__name__}")
