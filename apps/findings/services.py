"""Keeping the findings table current. A run over the whole stack replaces every finding; an
entry's own findings are redone at once when the entry is edited, so its page shows the result
of the edit; and a change anywhere in what the rules read asks for a run in the background."""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now

from apps.findings import acceptances
from apps.findings.models import Finding, LinterRun
from apps.findings.rules import STACK_WIDE, lint
from apps.stack.models import StackEntry, StackVersion
from apps.stack.selectors import StackState

log = logging.getLogger(__name__)
LOST_AFTER = timedelta(minutes=5)  # a run asked for this long ago and never started is asked for again


def refresh(now) -> LinterRun:
    """Lint the whole stack as it is `now` and store what it finds in place of the last run's
    findings, unless a run of a later moment stored its own first. A finding that still holds
    keeps the time it was first found."""
    LinterRun.load()
    LinterRun.objects.filter(pk=1).update(requested_at=None)  # a change from now on asks again
    started = time.monotonic()
    findings = lint(StackState.load(now=now))
    with transaction.atomic():
        Finding.lock()
        acceptances.link(findings)  # under the lock: an acceptance made meanwhile is seen
        if LinterRun.objects.filter(pk=1, finished_at__gt=now).exists():
            return LinterRun.load()  # overtaken by a later run
        if _replace(Finding.objects.all(), findings, now):
            transaction.on_commit(StackVersion.bump)  # the overview counts findings per tool
        standing, _ = acceptances.split(findings, now=now)
        LinterRun.objects.filter(pk=1).update(
            finished_at=now, seconds=time.monotonic() - started, findings=acceptances.count(standing)
        )
    return LinterRun.load()


def entry_refresh(entry: StackEntry, now) -> list[Finding]:
    """Redo the findings about one entry now; its neighbours' wait for the next run, which
    this asks for."""
    findings = [f for f in lint(StackState.load(now=now, around=entry), entries_only=True) if f.entry_id == entry.pk]
    with transaction.atomic():
        Finding.lock()
        acceptances.link(findings)
        if _replace(Finding.objects.filter(entry=entry).exclude(code__in=STACK_WIDE), findings, now):
            transaction.on_commit(StackVersion.bump)
    request_refresh()
    return findings


def _replace(stored, findings: list[Finding], now) -> bool:
    """Put `findings` in place of `stored`; False, and nothing written, if they say the same."""
    before = {(f.key, f.message): f.found_at for f in stored.only("code", "message", "entry", "pain_point",
                                                                   "category", "found_at")}
    if set(before) == {(f.key, f.message) for f in findings} and len(before) == len(findings):
        return False
    first_found = {key: found_at for (key, _), found_at in before.items()}
    stored.delete()
    for finding in findings:
        finding.found_at = first_found.get(finding.key, now)
    Finding.objects.bulk_create(findings, batch_size=1000)
    return True


def request_refresh() -> None:
    """Ask for a run once the current transaction commits; many changes in a row ask once."""
    transaction.on_commit(_queue_run)


def _queue_run():
    from apps.findings.tasks import refresh as refresh_task

    asked = LinterRun.objects.filter(Q(requested_at__isnull=True) | Q(requested_at__lt=Now() - LOST_AFTER), pk=1)
    if not asked.update(requested_at=Now()):  # the queue's bookkeeping runs on the database's clock
        if LinterRun.objects.filter(pk=1).exists():
            return  # a run is queued and will see this change
        LinterRun.objects.get_or_create(pk=1, defaults={"requested_at": Now()})
    try:
        refresh_task.apply_async(retry=False)
    except Exception:  # the broker is down: the request stands, so the changes after this one
        # do not wait on the broker too; it is asked again after LOST_AFTER, or a scheduled run comes
        log.warning("Could not queue a linter run; the next scheduled run finds this change.")
