"""Pain points: read them, and log one as the pain point page does."""

from django import forms
from django.db import IntegrityError
from django.db.models import Prefetch
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from apps.accounts.models import Team
from apps.api import schemas
from apps.api.auth import reads, writes
from apps.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, form_errors, not_found
from apps.api.pagination import Page
from apps.catalog.models import Category
from apps.painpoints.forms import PainPointLogForm
from apps.painpoints.models import PainPoint, StatusChange
from apps.painpoints.services import pain_point_log
from apps.stack.models import StackEntry

router = Router(tags=["pain points"], auth=reads())


class LogForm(PainPointLogForm):
    """The page's log form and its rules, naming the category by key and the team by name."""

    category = forms.ModelChoiceField(Category.objects.all(), to_field_name="key", required=False)
    team = forms.ModelChoiceField(Team.objects.all(), to_field_name="name", required=False)


def pain_points():
    return PainPoint.objects.select_related("category", "team", "reported_by").order_by("-created_at", "title", "pk")


def pain_point_detail(pk: int) -> PainPoint:
    pain = pain_points().prefetch_related(
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
        Prefetch("stack_entries", queryset=StackEntry.objects.select_related("tool").order_by("pk")),
    ).filter(pk=pk).first()
    if pain is None:
        raise not_found("pain point", ["path", "pk"])
    return pain


@router.get("/pain-points/", response={200: list[schemas.PainPoint], **READ_ERRORS}, url_name="painpoint-list")
@paginate(Page)
def painpoint_list(request, category: str | None = None, team: str | None = None,
                   status: schemas.PainStatusName | None = None, severity: schemas.SeverityName | None = None):
    """Pain points, latest first; narrowed to a category (its key), a team (its name), a
    status or a severity."""
    found = pain_points()
    if category:
        found = found.filter(category__key=category)
    if team:
        found = found.filter(team__name=team)
    if status:
        found = found.filter(status=status)
    if severity:
        found = found.filter(severity=severity)
    return found


@router.get("/pain-points/{int:pk}/", response={200: schemas.PainPointDetail, **READ_ERRORS},
            url_name="painpoint-detail")
def painpoint_read(request, pk: int):
    """One pain point, with its status history and the stack entries that answer it."""
    return pain_point_detail(pk)


@router.post("/pain-points/", response={201: schemas.PainPointDetail, **WRITE_ERRORS},
             auth=writes("painpoints.add_painpoint"), url_name="painpoint-log")
def painpoint_log(request, data: schemas.PainPointIn):
    """Log what hurts today, as the pain point page does."""
    form = LogForm(data.dict())
    if not form.is_valid():
        raise form_errors(form)
    try:
        pain = pain_point_log(form=form, by=request.user, now=timezone.now())
    except IntegrityError:  # the same title, logged at the same moment
        raise ApiError(409, "A pain point with this title exists already.", loc=["body", "title"],
                       type="unique") from None
    return Status(201, pain_point_detail(pain.pk))
