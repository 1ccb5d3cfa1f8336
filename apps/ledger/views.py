"""The pages that gather the whole stack on one screen: the overview, and a stack entry's page
with its gate, usage, evaluations, findings, tasks and lifecycle. They read every app below
them; nothing below imports them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from apps.accounts.models import Team
from apps.accounts.roles import is_owner_or_lead
from apps.catalog.models import Tool
from apps.evaluations.models import DecisionRecord
from apps.findings import acceptances
from apps.findings.models import LinterRun
from apps.findings.rules import STACK_WIDE
from apps.health.models import Heartbeat
from apps.health.tasks import WORKER
from apps.lib.charts import sparkline
from apps.lib.htmx import wants_fragment
from apps.lib.pagination import paginate
from apps.notifications.views import channels_context
from apps.probes.models import Kind
from apps.probes.selectors import activity_trend, failing_since, recent_errors
from apps.reviews.dashboard import live_dashboard
from apps.stack import services as stack
from apps.stack.forms import EntryDetailsForm, FilterVerdictForm
from apps.stack.models import (
    FILTERS,
    IN_USE,
    Lifecycle,
    LifecycleTransition,
    MLModel,
    OrganisationProfile,
    StackEntry,
    TransitionError,
)
from apps.stack.selectors import monthly_cost
from apps.stack.services import entry_details_save, entry_propose, filter_record
from apps.stack.stages import stage_advice

OVERVIEW_ROWS = 3  # tools a category shows on the overview, in use first (a lean stack has one); its list has the rest


def overview(request):
    """The stack by category. The summary of the whole stack is worked out once per version of
    it (live_dashboard); of the tools, only those shown are loaded."""
    today = timezone.localdate()
    dashboard = live_dashboard(today)
    leading = [(cover, cover.in_use_first[:OVERVIEW_ROWS]) for cover in dashboard.cover]
    shown = StackEntry.objects.select_related("tool", "owner").in_bulk(
        [row.entry_id for _, rows in leading for row in rows]
    )
    in_production = MLModel.objects.filter(stage=MLModel.Stage.PRODUCTION).count()
    context = {
        "rows": [(cover, [(shown[row.entry_id], row.findings) for row in rows if row.entry_id in shown])
                 for cover, rows in leading],
        "cost": monthly_cost(OrganisationProfile.load()),
        "advice": stage_advice(in_production, dashboard.categories),
        "run": LinterRun.objects.filter(pk=1).first(),
        "standing": acceptances.counted(today).count(),
        "heartbeat": Heartbeat.objects.filter(name=WORKER).first(),
        "dashboard": dashboard,
        "my_tasks": request.user.tasks.filter(done_on__isnull=True).select_related("entry__tool", "owner")[:10],
    }
    return render(request, "ledger/overview.html", context)


def _load_entry(pk) -> StackEntry:
    return get_object_or_404(
        StackEntry.objects.select_related("tool", "owner", "team", "probe__attested_by").prefetch_related(
            "tool__categories",
            "pain_points",
            Prefetch("transitions", queryset=LifecycleTransition.objects.select_related("by")),
        ),
        pk=pk,
    )


def _entry_context(entry: StackEntry, user, **extra) -> dict:
    now = timezone.now()
    findings, accepted = acceptances.split(
        list(entry.findings.exclude(code__in=STACK_WIDE).select_related("acceptance__owner")), now=now
    )
    probe = getattr(entry, "probe", None)
    # What a probe's target answered may show in its errors, and the heartbeat URL is a
    # secret: both only for the owner and leads. Every role sees the health.
    owner_or_lead = is_owner_or_lead(user, entry)
    usage = {
        "probe": probe,
        "trend": sparkline(activity_trend(probe, now=now)) if probe else "",
        "errors": recent_errors(probe) if probe and owner_or_lead else [],
        "failing_since": failing_since(probe) if probe else None,
        "changes": list(entry.usage_changes.order_by("-at")[:8]),
        "unused_after": entry.unused_after(probe),  # (days, where they are set)
        "heartbeat_url": settings.SITE_URL + reverse("heartbeat", kwargs={"token": probe.heartbeat_token})
        if probe and probe.kind == Kind.HEARTBEAT and probe.heartbeat_token and owner_or_lead else "",
    }
    moves = [(value, Lifecycle(value).label) for value in entry.allowed_moves()]
    forms = {
        name: FilterVerdictForm(initial={"verdict": verdict, "rationale": rationale})
        for name, _, verdict, rationale in entry.verdicts()
    }
    trials = entry.trials.select_related("evaluation").order_by("-evaluation__created_at")
    decisions = DecisionRecord.objects.filter(chosen__entry=entry, status=DecisionRecord.Status.ACCEPTED)
    return {
        "entry": entry, "moves": moves, "findings": findings, "accepted": accepted, "filter_forms": forms,
        "usage": usage,
        "trials": trials, "decisions": decisions, "overlap_warnings": entry.overlap_if_adopted(), "tasks": entry.tasks.select_related("entry__tool", "owner"),
        **extra,
    }


def entry_detail(request, pk):
    context = _entry_context(_load_entry(pk), request.user)
    response = render(request, "ledger/entry_detail.html", context)
    if context["usage"]["heartbeat_url"]:
        add_never_cache_headers(response)  # no browser or proxy keeps a page with a secret URL
    return response


@require_POST
@permission_required("stack.change_stackentry", raise_exception=True)
def entry_filter(request, pk, name):
    """Record one filter's verdict inline; the gate, lifecycle and findings refresh in place."""
    entry = get_object_or_404(StackEntry, pk=pk)
    if name not in FILTERS:
        raise Http404("No such adoption filter")
    form = FilterVerdictForm(request.POST)
    if form.is_valid():
        filter_record(entry=entry, name=name, by=request.user, now=timezone.now(), **form.cleaned_data)
    entry = _load_entry(pk)
    context = _entry_context(entry, request.user)
    if not form.is_valid():
        context["filter_forms"][name] = form
    if not wants_fragment(request):
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("entry-detail", pk=pk)
    return render(request, "ledger/partials/entry_updated.html", context)


@permission_required("stack.change_stackentry", raise_exception=True)
def entry_edit(request, pk):
    """Owner, team, pain points and cost, edited in place."""
    entry = get_object_or_404(StackEntry.objects.select_related("tool"), pk=pk)
    form = EntryDetailsForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        entry_details_save(form, now=timezone.now())
        if not wants_fragment(request):
            return redirect("entry-detail", pk=pk)
        return render(request, "ledger/partials/entry_updated.html", _entry_context(_load_entry(pk), request.user, details_saved=True))
    template = "ledger/partials/entry_details_form.html" if wants_fragment(request) else "ledger/entry_edit.html"
    return render(request, template, {"entry": entry, "form": form})


@require_POST
@permission_required("stack.change_stackentry", raise_exception=True)
def entry_move(request, pk):
    entry = get_object_or_404(StackEntry, pk=pk)
    try:
        stack.entry_move(entry, request.POST.get("lifecycle", ""), by=request.user, now=timezone.now(),
                         note=request.POST.get("note", ""))
    except ValueError:
        messages.error(request, "Choose a lifecycle state to move to.")
    except TransitionError as error:
        messages.error(request, f"{entry.tool} cannot move: " + " ".join(error.reasons))
    else:
        messages.success(request, f"{entry.tool} is now {entry.get_lifecycle_display().lower()}.")
    if wants_fragment(request):
        return render(request, "ledger/partials/entry_updated.html", _entry_context(_load_entry(pk), request.user))
    return redirect("entry-detail", pk=entry.pk)


@require_POST
@permission_required("stack.add_stackentry", raise_exception=True)
def tool_propose(request, slug):
    tool = get_object_or_404(Tool, slug=slug)
    entry, created = entry_propose(tool=tool, by=request.user, now=timezone.now())
    if created:
        messages.success(request, f"{tool} is proposed for the stack.")
    else:
        messages.info(request, f"{tool} is already on the stack ({entry.get_lifecycle_display().lower()}).")
    return redirect("entry-detail", pk=entry.pk)


def team_list(request):
    """Every team with what it owns and where its alerts go."""
    teams = Team.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        entry_count=Count("stack_entries", filter=Q(stack_entries__lifecycle__in=IN_USE), distinct=True),
        channel_count=Count("channels", distinct=True),
    ).order_by("name")
    return render(request, "teams/team_list.html", {"page": paginate(request, teams)})


def team_detail(request, pk):
    """A team: its people, its tools with their usage, and its notification channels."""
    team = get_object_or_404(Team, pk=pk)
    entries = team.stack_entries.select_related("tool", "owner").exclude(lifecycle=Lifecycle.REJECTED).order_by("tool__name")
    context = {
        "members": team.members.filter(is_active=True).prefetch_related("groups").order_by("name", "email"),
        "entries": paginate(request, entries),
        **channels_context(team),
    }
    return render(request, "teams/team_detail.html", context)
