"""The stack: its entries, their usage, ML models and the organisation's profile; proposing a
tool, recording an adoption filter's verdict and a heartbeat, through the pages' services."""

from datetime import timedelta

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from apps.accounts.roles import is_owner_or_lead
from apps.api import schemas
from apps.api.auth import reads, writes
from apps.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, form_errors, not_found
from apps.api.pagination import Page
from apps.catalog.models import Category, Tool
from apps.painpoints.models import PainPoint
from apps.probes import sweep
from apps.probes.models import Kind, Probe
from apps.probes.selectors import TREND_DAYS, activity_trend, failing_since
from apps.stack.forms import FilterVerdictForm
from apps.stack.models import (
    LifecycleTransition,
    MLModel,
    OrganisationProfile,
    StackEntry,
    TransitionError,
)
from apps.stack.services import entry_propose, filter_record

router = Router(tags=["stack"], auth=reads())


def entries():
    return (
        StackEntry.objects.select_related("tool", "owner", "team")
        .prefetch_related(
            Prefetch("tool__categories", queryset=Category.objects.all()),
            Prefetch("pain_points", queryset=PainPoint.objects.only("id", "title").order_by("title", "pk")),
        )
        .order_by(Lower("tool__name"), "pk")
    )


def entry_detail(pk: int) -> StackEntry:
    entry = (
        entries().select_related("probe")
        .prefetch_related(Prefetch("transitions", queryset=LifecycleTransition.objects.select_related("by")))
        .filter(pk=pk).first()
    )
    if entry is None:
        raise not_found("stack entry", ["path", "pk"])
    return entry


@router.get("/stack/", response={200: list[schemas.Entry], **READ_ERRORS}, url_name="entry-list")
@paginate(Page)
def entry_list(request, lifecycle: schemas.LifecycleName | None = None, category: str | None = None,
               usage_state: schemas.UsageStateName | None = None):
    """Every stack entry, by tool name; narrowed to a lifecycle, a category (its key) or a
    usage state."""
    found = entries()
    if lifecycle:
        found = found.filter(lifecycle=lifecycle)
    if category:
        found = found.filter(tool__categories__key=category)
    if usage_state:
        found = found.filter(usage_state=usage_state)
    return found


@router.get("/stack/{int:pk}/", response={200: schemas.EntryDetail, **READ_ERRORS}, url_name="entry-detail")
def entry_read(request, pk: int):
    """One stack entry with its lifecycle history and its probe's health."""
    return entry_detail(pk)


@router.get("/stack/{int:pk}/usage/", response={200: schemas.Usage, **READ_ERRORS}, url_name="entry-usage")
def entry_usage(request, pk: int):
    """What the probes say of the entry's use, as its page shows it."""
    entry = (StackEntry.objects.select_related("tool", "probe").prefetch_related("tool__categories")
             .filter(pk=pk).first())
    if entry is None:
        raise not_found("stack entry", ["path", "pk"])
    now = timezone.now()
    probe = getattr(entry, "probe", None)
    days, set_on = entry.unused_after(probe)
    return {
        "entry": entry.pk, "state": entry.usage_state, "since": entry.usage_since,
        "last_activity_at": entry.last_activity_at, "unused_after": {"days": days, "set_on": set_on},
        "probe": probe, "failing_since": failing_since(probe) if probe else None,
        "trend_from": (now - timedelta(days=TREND_DAYS - 1)).date(),
        "trend": activity_trend(probe, now=now) if probe else [None] * TREND_DAYS,
    }


@router.get("/stack/{int:pk}/usage/changes/", response={200: list[schemas.UsageChange], **READ_ERRORS},
            url_name="entry-usage-changes")
@paginate(Page)
def entry_usage_changes(request, pk: int):
    """The entry's usage history: each change of its usage state and why, latest first."""
    entry = StackEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise not_found("stack entry", ["path", "pk"])
    return entry.usage_changes.order_by("-at", "-pk")


@router.post("/tools/{slug:slug}/propose/", response={200: schemas.Entry, 201: schemas.Entry, **WRITE_ERRORS},
             auth=writes("stack.add_stackentry"), url_name="tool-propose")
def tool_propose(request, slug: str):
    """Propose a catalogue tool for the stack (201); a tool on the stack already keeps its
    entry, unchanged (200)."""
    tool = Tool.objects.filter(slug=slug).first()
    if tool is None:
        raise not_found("tool", ["path", "slug"])
    entry, created = entry_propose(tool=tool, by=request.user, now=timezone.now())
    return Status(201 if created else 200, entries().get(pk=entry.pk))


@router.post("/stack/{int:pk}/filters/{slug:name}/", response={200: schemas.EntryDetail, **WRITE_ERRORS},
             auth=writes("stack.change_stackentry"), url_name="entry-filter")
def entry_filter(request, pk: int, name: schemas.FilterName, data: schemas.VerdictIn):
    """Record one adoption filter's verdict: capability, integration or operational_cost. A
    failed filter rejects a candidate, and flags a tool in use for removal."""
    entry = StackEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise not_found("stack entry", ["path", "pk"])
    form = FilterVerdictForm(data.dict())
    if not form.is_valid():
        raise form_errors(form)
    try:
        filter_record(entry=entry, name=name, by=request.user, now=timezone.now(), **form.cleaned_data)
    except TransitionError as refused:
        raise ApiError(409, " ".join(refused.reasons), loc=["body", "verdict"], type="transition") from None
    return entry_detail(pk)


@router.post("/stack/{int:pk}/heartbeat/", response={200: schemas.Heartbeat, **WRITE_ERRORS},
             auth=writes(), url_name="entry-heartbeat")
def entry_heartbeat(request, pk: int):
    """Say the tool ran, as a call of its heartbeat URL does: for the entry's owner and leads,
    on an entry with a heartbeat probe."""
    entry = StackEntry.objects.select_related("tool").filter(pk=pk).first()
    if entry is None:
        raise not_found("stack entry", ["path", "pk"])
    if not is_owner_or_lead(request.user, entry):
        raise ApiError(403, "Only the tool's owner or a lead records its heartbeat.", type="forbidden")
    probe = Probe.objects.filter(entry=entry, kind=Kind.HEARTBEAT).first()
    now = timezone.now()
    if probe is None or not sweep.heartbeat(probe.heartbeat_token, now=now):
        raise ApiError(409, f"{entry.tool} has no heartbeat probe.", loc=["path", "pk"], type="no_heartbeat_probe")
    return {"entry": entry.pk, "last_ping_at": now}


@router.get("/models/", response={200: list[schemas.MLModel], **READ_ERRORS}, url_name="model-list")
@paginate(Page)
def model_list(request):
    """Each ML model and its deployment path, by name."""
    with_tool = StackEntry.objects.select_related("tool")
    return MLModel.objects.select_related("team", "owner").prefetch_related(
        *(Prefetch(link, queryset=with_tool) for link in ("tracker", "registry", "serving", "monitoring"))
    ).order_by("name", "pk")


@router.get("/profile/", response={200: schemas.Profile, **READ_ERRORS}, url_name="profile")
def profile(request):
    """What the organisation already runs, which the rules depend on."""
    return OrganisationProfile.load()
