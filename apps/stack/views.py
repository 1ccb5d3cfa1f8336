from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render

from apps.catalog.models import Category
from apps.lib.pagination import paginate
from apps.stack.forms import OrganisationProfileForm
from apps.stack.models import Lifecycle, MLModel, OrganisationProfile, StackEntry


def entry_list(request):
    entries = StackEntry.objects.select_related("tool", "owner", "team").prefetch_related(
        "tool__categories"
    )
    lifecycle = request.GET.get("lifecycle")
    if lifecycle in Lifecycle.values:
        entries = entries.filter(lifecycle=lifecycle)
    category = Category.objects.filter(key=request.GET.get("category") or "").first()
    if category:
        entries = entries.filter(tool__categories=category)
    context = {
        "page": paginate(request, entries),
        "lifecycles": Lifecycle.choices,
        "selected": lifecycle,
        "category": category,
    }
    return render(request, "stack/entry_list.html", context)


def profile(request):
    """The organisation's context the rules depend on; leads edit it."""
    current = OrganisationProfile.load()
    can_edit = request.user.has_perm("stack.change_organisationprofile")
    form = OrganisationProfileForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            messages.success(request, "The organisation profile is saved.")
            return redirect("profile")
    return render(request, "stack/profile.html", {"profile": current, "form": form, "can_edit": can_edit})


def model_list(request):
    """Each ML model's deployment path, gaps marked (seed rule 9)."""
    # The four links of the path are fetched apart: a ten-table join takes PostgreSQL longer to
    # plan than to run.
    with_tool = StackEntry.objects.select_related("tool")
    models = MLModel.objects.select_related("team", "owner").prefetch_related(
        *(Prefetch(link, queryset=with_tool) for link in ("tracker", "registry", "serving", "monitoring"))
    ).order_by("name")
    return render(request, "stack/model_list.html", {"page": paginate(request, models)})
