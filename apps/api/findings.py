"""The stack linter's findings, as its last run stored them."""

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
def finding_list(request, rule: str | None = None):
    """The findings in rule order; narrowed to one rule (its code)."""
    findings = Finding.objects.select_related("entry__tool", "pain_point", "category").order_by("rank", "pk")
    return findings.filter(code=rule) if rule else findings
