from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.lib.htmx import render_page_or_fragment, wants_fragment
from apps.lib.pagination import paginate
from apps.painpoints.forms import PainPointFilterForm, PainPointLogForm, StatusForm
from apps.painpoints.models import PainPoint, StatusChange
from apps.painpoints.services import pain_point_log


def painpoint_list(request, form=None):
    """Pain points, filtered in place (htmx) with the filters in the URL. The log form on top
    is fetched when it is opened, or shown with its errors after a plain POST."""
    filters = PainPointFilterForm(request.GET)
    pain_points = filters.filter(PainPoint.objects.select_related("category", "team", "reported_by"))
    context = {"filters": filters, "page": paginate(request, pain_points), "form": form}
    return render_page_or_fragment(
        request, "painpoints/painpoint_list.html", "painpoints/partials/list.html", context
    )


@require_http_methods(["GET", "POST"])
@permission_required("painpoints.add_painpoint", raise_exception=True)
def painpoint_create(request):
    """Log a pain point. GET gives the form (to htmx, the bare form); after a POST, htmx gets a
    fresh form and the new row, and a plain POST is redirected."""
    if request.method == "GET":
        return render_page_or_fragment(request, "painpoints/painpoint_new.html", "painpoints/partials/log_form.html",
                                       {"form": PainPointLogForm()})
    form = PainPointLogForm(request.POST)
    if not form.is_valid():
        if wants_fragment(request):
            return render(request, "painpoints/partials/log_form.html", {"form": form})
        return painpoint_list(request, form=form)
    pain = pain_point_log(form=form, by=request.user, now=timezone.now())
    messages.success(request, f"Logged “{pain.title}”.")
    if not wants_fragment(request):
        return redirect("painpoint-detail", pk=pain.pk)
    pain = PainPoint.objects.select_related("category", "team", "reported_by").get(pk=pain.pk)
    return render(request, "painpoints/partials/logged.html", {"form": PainPointLogForm(), "logged": [pain]})


def painpoint_detail(request, pk):
    pain = get_object_or_404(
        PainPoint.objects.select_related("category", "team", "reported_by").prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
            "stack_entries__tool",
        ),
        pk=pk,
    )
    context = {"pain": pain, "status_form": StatusForm(initial={"status": pain.status})}
    return render(request, "painpoints/painpoint_detail.html", context)


@require_POST
@permission_required("painpoints.change_painpoint", raise_exception=True)
def painpoint_status(request, pk):
    pain = get_object_or_404(PainPoint, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        if pain.set_status(form.cleaned_data["status"], by=request.user, now=timezone.now(),
                          note=form.cleaned_data["note"]):
            messages.success(request, f"“{pain.title}” is now {pain.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose one of the statuses.")
    return redirect("painpoint-detail", pk=pain.pk)
