"""A stack entry that changes hands gets a new heartbeat URL (Probe.hand_over): the previous
owner may have copied the old one, and it must stop working with the hand-over. Every path
that saves an entry (its details form, the admin) goes through these receivers, and so does
deleting a user, which leaves their entries without an owner without saving them. A
stack-file import updates entries in bulk, without saving them, and calls Probe.hand_over
itself."""

from django.db.models.signals import post_save, pre_delete, pre_save

from apps.accounts.models import User
from apps.probes.models import Probe
from apps.stack.models import StackEntry


def _remember_owner(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._owner_changed = False
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and "owner" not in update_fields and "owner_id" not in update_fields:
        return
    before = StackEntry.objects.filter(pk=instance.pk).values_list("owner_id", flat=True).first()
    instance._owner_changed = before != instance.owner_id


def _rotate_on_hand_over(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or not getattr(instance, "_owner_changed", False):
        return
    instance._owner_changed = False
    Probe.hand_over([instance.pk])


def _rotate_for_a_deleted_owner(sender, instance, **kwargs):
    Probe.hand_over(StackEntry.objects.filter(owner=instance).values_list("pk", flat=True))


def connect():
    pre_save.connect(_remember_owner, sender=StackEntry, dispatch_uid="probes-entry-owner-before")
    post_save.connect(_rotate_on_hand_over, sender=StackEntry, dispatch_uid="probes-entry-owner-after")
    pre_delete.connect(_rotate_for_a_deleted_owner, sender=User, dispatch_uid="probes-owner-deleted")
