from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.accounts.roles import is_owner_or_lead
from apps.lib.htmx import wants_fragment
from apps.probes import removal, sweep
from apps.probes.forms import ProbeSettingsForm
from apps.probes.models import Kind, Probe
from apps.stack.models import StackEntry


def _owner_or_lead(request, entry: StackEntry) -> None:
    if not is_owner_or_lead(request.user, entry):
        raise PermissionDenied("Only the tool's owner or a lead can do this.")


@login_not_required
def usage_answer(request, token):
    """The owner's answer from the email: still needed, or remove. No login: the link is
    signed. A GET only shows the question, so a link scanner cannot answer it."""
    try:
        entry, action = removal.read_answer(token)
    except removal.AnswerNoLongerApplies as stale:
        return render(request, "probes/answer.html", {"stale": stale.args[0]})
    except (signing.BadSignature, StackEntry.DoesNotExist, ValueError):
        return render(request, "probes/answer.html", {"invalid": True}, status=400)
    if action not in ("keep", "remove"):
        return render(request, "probes/answer.html", {"invalid": True}, status=400)
    done = removal.answer(entry, action, now=timezone.now()) if request.method == "POST" else None
    return render(request, "probes/answer.html", {"entry": entry, "action": action, "done": done})


@csrf_exempt
@login_not_required
def heartbeat(request, token):
    """The secret URL a tool or its cron job calls to say it ran (GET, HEAD or POST)."""
    updated = sweep.heartbeat(token, now=timezone.now())
    return HttpResponse("OK\n" if updated else "Unknown heartbeat\n", status=200 if updated else 404,
                        content_type="text/plain")


@require_POST
def heartbeat_rotate(request, pk):
    """The owner (or a lead) replaces the entry's heartbeat URL, once they have confirmed that
    the old one stops working: after a leak, or when someone who knew it has left."""
    entry = get_object_or_404(StackEntry.objects.select_related("tool"), pk=pk)
    _owner_or_lead(request, entry)
    probe = get_object_or_404(Probe, entry=entry, kind=Kind.HEARTBEAT)
    if request.POST.get("confirm") != "rotate":
        messages.error(request, "Tick the box to confirm that the old heartbeat URL stops working.")
        return redirect("entry-detail", pk=pk)
    probe.rotate_heartbeat()
    messages.success(request, f"The heartbeat URL of {entry.tool} is new: the old one no longer works. "
                              "Give the tool the new URL below.")
    return redirect("entry-detail", pk=pk)


@require_POST
def attest(request, pk):
    """The owner (or a lead) attests a manually watched tool is still in use."""
    entry = get_object_or_404(StackEntry.objects.select_related("tool"), pk=pk)
    _owner_or_lead(request, entry)
    probe = get_object_or_404(Probe, entry=entry, kind=Kind.MANUAL)
    sweep.attest(probe, by=request.user, now=timezone.now())
    messages.success(request, f"Recorded: {entry.tool} is in use.")
    return redirect("entry-detail", pk=pk)


@require_POST
def probe_now(request, pk):
    """Queue one probe run; say so plainly when the broker cannot take it."""
    entry = get_object_or_404(StackEntry.objects.select_related("tool"), pk=pk)
    _owner_or_lead(request, entry)
    probe = get_object_or_404(Probe, entry=entry)
    if probe.demo:
        messages.info(request, f"The probe of {entry.tool} is demo data and no server answers it: point it at your "
                               "server first, and it runs from then on.")
        return redirect("entry-detail", pk=pk)
    from apps.probes.tasks import probe_now as task

    try:
        task.apply_async(args=[probe.pk], retry=False)
    except Exception:
        messages.error(request, "The background queue is not reachable, so the probe could not be queued. "
                                "It runs on schedule once the queue is back; nothing is lost.")
    else:
        messages.success(request, f"The probe of {entry.tool} is queued; its result appears here in a moment.")
    return redirect("entry-detail", pk=pk)


def probe_settings(request, pk):
    """Add or change the entry's probe. Changing the kind swaps the settings it asks for."""
    entry = get_object_or_404(StackEntry.objects.select_related("tool"), pk=pk)
    if not request.user.has_perm("probes.change_probe"):
        raise PermissionDenied("Only a lead can change a probe.")
    probe = Probe.objects.filter(entry=entry).first() or Probe(entry=entry)
    if request.method == "POST":
        form = ProbeSettingsForm(request.POST, instance=probe)
        if form.is_valid():
            sweep.probe_save(form, now=timezone.now())
            messages.success(request, f"The probe of {entry.tool} is saved; it runs within a minute.")
            return redirect("entry-detail", pk=pk)
    else:
        # Another kind chosen: the form with that kind's settings (the page swaps only those in).
        form = ProbeSettingsForm(instance=probe, kind=request.GET.get("kind"))
    template = "probes/partials/probe_form.html" if wants_fragment(request) else "probes/probe_settings.html"
    return render(request, template, {"entry": entry, "form": form, "probe": probe})
