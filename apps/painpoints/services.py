from django.db import transaction

from apps.painpoints.models import PainPoint


@transaction.atomic
def pain_point_log(*, form, by, now) -> PainPoint:
    """Save a pain point from a valid log form, reported by `by`, and start its history."""
    pain = form.save(commit=False)
    pain.reported_by = by
    pain.save()
    pain.status_changes.create(to_status=pain.status, by=by, at=now)
    return pain
