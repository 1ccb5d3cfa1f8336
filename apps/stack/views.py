from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.catalog.models import Tool
from apps.health.models import Heartbeat
from apps.health.tasks import WORKER
from apps.lib.pagination import paginate
from apps.stack import selectors
from apps.stack.models import Lifecycle, StackEntry, TransitionError
from apps.stack.services import entry_propose


def overview(request):
    context = {
        "rows": selectors.stack_by_category(),
        "cost": selectors.monthly_cost(),
        "models_in_production": selectors.models_in_production(),
        "heartbeat": Heartbeat.objects.filter(name=WORKER).first(),
    }
    return render(request, "stack/overview.html", context)


def entry_list(request):
    entries = StackEntry.objects.select_related("tool", "owner", "team").prefetch_related(
        "tool__categories"
    )
    lifecycle = request.GET.get("lifecycle")
    if lifecycle in Lifecycle.values:
        entries = entries.filter(lifecycle=lifecycle)
    context = {
        "page": paginate(request, entries),
        "lifecycles": Lifecycle.choices,
        "selected": lifecycle,
    }
    return render(request, "stack/entry_list.html", context)


def entry_detail(request, pk):
    entry = get_object_or_404(
        StackEntry.objects.select_related("tool", "owner", "team").prefetch_related(
            "tool__categories", "pain_points", "transitions__by"
        ),
        pk=pk,
    )
    moves = [(value, Lifecycle(value).label) for value in entry.allowed_moves()]
    return render(request, "stack/entry_detail.html", {"entry": entry, "moves": moves})


@require_POST
@permission_required("stack.change_stackentry", raise_exception=True)
def entry_move(request, pk):
    entry = get_object_or_404(StackEntry, pk=pk)
    try:
        entry.move_to(request.POST.get("lifecycle", ""), by=request.user, note=request.POST.get("note", ""))
    except ValueError:
        messages.error(request, "Choose a lifecycle state to move to.")
    except TransitionError as error:
        messages.error(request, f"{entry.tool} cannot move: " + " ".join(error.reasons))
    else:
        messages.success(request, f"{entry.tool} is now {entry.get_lifecycle_display().lower()}.")
    return redirect("entry-detail", pk=entry.pk)


@require_POST
@permission_required("stack.add_stackentry", raise_exception=True)
def tool_propose(request, slug):
    tool = get_object_or_404(Tool, slug=slug)
    entry, created = entry_propose(tool=tool, by=request.user)
    if created:
        messages.success(request, f"{tool} is proposed for the stack.")
    else:
        messages.info(request, f"{tool} is already on the stack ({entry.get_lifecycle_display().lower()}).")
    return redirect("entry-detail", pk=entry.pk)
