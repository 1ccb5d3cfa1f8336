from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from apps.discovery import services
from apps.discovery.forms import DiscoverySourceForm, DismissForm, RegisterForm
from apps.discovery.models import DiscoveredTool, DiscoverySource
from apps.discovery.tasks import discover
from apps.lib.pagination import paginate


def discovered_list(request):
    """The tools the sources found that the stack does not know; apart from them, those
    dismissed and those found that the stack has."""
    found = DiscoveredTool.objects.select_related("tool", "source", "dismissed_by", "tool__stack_entry")
    page = paginate(request, found.unregistered())
    context = {
        "page": page,
        "dismissed": found.filter(dismissed_at__isnull=False).order_by("-dismissed_at")[:50],
        "known": found.filter(tool__stack_entry__isnull=False, dismissed_at__isnull=True)[:50],
        "sources": DiscoverySource.objects.all(),
    }
    return render(request, "discovery/discovered_list.html", context)


@permission_required(["stack.add_stackentry", "discovery.change_discoveredtool"], raise_exception=True)
def discovered_register(request, pk):
    found = get_object_or_404(DiscoveredTool.objects.select_related("tool", "source"), pk=pk)
    form = RegisterForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.register(found, lifecycle=form.cleaned_data["lifecycle"], owner=form.cleaned_data["owner"],
                                      by=request.user, now=timezone.now(), note=form.cleaned_data["note"])
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"{entry.tool} is on the stack, {entry.get_lifecycle_display().lower()}.")
            return redirect("entry-detail", pk=entry.pk)
    return render(request, "discovery/discovered_register.html", {"found": found, "form": form})


@permission_required("discovery.change_discoveredtool", raise_exception=True)
def discovered_dismiss(request, pk):
    found = get_object_or_404(DiscoveredTool.objects.select_related("tool", "source"), pk=pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.dismiss(found, reason=form.cleaned_data["reason"], by=request.user, now=timezone.now())
        messages.success(request, f"{found.tool} dismissed: it stays so until {found.source} finds it somewhere new.")
        return redirect("discovered-list")
    return render(request, "discovery/discovered_dismiss.html", {"found": found, "form": form})


@permission_required("discovery.change_discoverysource", raise_exception=True)
def source_list(request):
    return render(request, "discovery/source_list.html", {"sources": DiscoverySource.objects.all()})


@permission_required("discovery.add_discoverysource", raise_exception=True)
def source_add(request):
    return _source_form(request, DiscoverySource())


@permission_required("discovery.change_discoverysource", raise_exception=True)
def source_edit(request, pk):
    return _source_form(request, get_object_or_404(DiscoverySource, pk=pk))


def _source_form(request, source):
    form = DiscoverySourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Discovery source {source} saved. It runs daily; run it now from the list.")
        return redirect("discovery-sources")
    return render(request, "discovery/source_form.html", {"form": form, "source": source})


@permission_required("discovery.delete_discoverysource", raise_exception=True)
def source_delete(request, pk):
    source = get_object_or_404(DiscoverySource, pk=pk)
    if request.method == "POST":
        source.delete()
        messages.success(request, f"Discovery source {source} deleted, with what it had found.")
        return redirect("discovery-sources")
    return render(request, "discovery/source_delete.html", {"source": source, "found": source.discoveries.count()})


@permission_required("discovery.change_discoverysource", raise_exception=True)
def source_run(request, pk):
    source = get_object_or_404(DiscoverySource, pk=pk)
    if request.method == "POST":
        discover.delay(names=[source.name])
        messages.info(request, f"{source} is being read; what it finds shows on the discovered tools page.")
    return redirect(reverse("discovery-sources"))
