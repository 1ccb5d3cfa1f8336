"""The stack linter's findings, as its last run stored them."""

from django.db.models import Q
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from apps.api import schemas
from apps.api.auth import reads
from apps.api.errors import READ_ERRORS
from apps.api.pagination import Page
from apps.findings.models import Finding

router = Router(tags=["findings"], auth=reads())


@router.get("/findings/", response={200: list[schemas.Finding], **READ_ERRORS}, url_name="finding-list")
@paginate(Page)
def finding_list(request, rule: str | None = None, accepted: bool | None = None):
    """The findings in rule order, one per tool; narrowed to one rule (its code), and to those a
    lead accepted (accepted=true: they count nowhere until the acceptance expires) or to those
    that count (accepted=false)."""
    today = timezone.localdate()
    findings = Finding.objects.select_related("entry__tool", "pain_point", "category", "acceptance__owner")
    findings = findings.annotate(accepted_today=Q(acceptance__expires_on__gt=today)).order_by("rank", "pk")
    if accepted is not None:
        findings = findings.accepted(today) if accepted else findings.standing(today)
    return findings.filter(code=rule) if rule else findings
