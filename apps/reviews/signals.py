"""The overview compares the stack with the last review: a review that changes, once it
commits, moves the stack to its next version."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from apps.reviews.models import Review
from apps.stack.models import StackVersion


def changed(sender, raw=False, **kwargs):
    if not raw:
        transaction.on_commit(StackVersion.bump)


def connect():
    post_save.connect(changed, sender=Review, dispatch_uid="review-saved")
    post_delete.connect(changed, sender=Review, dispatch_uid="review-deleted")
