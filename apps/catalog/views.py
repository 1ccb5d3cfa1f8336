from django.shortcuts import get_object_or_404, render

from apps.catalog.models import Category, Tool
from apps.lib.htmx import render_page_or_fragment
from apps.lib.pagination import paginate


def tool_list(request):
    """The catalogue, filtered by category in place (htmx) with a shareable URL."""
    categories = list(Category.objects.all())
    selected = next((c for c in categories if c.key == request.GET.get("category")), None)
    tools = Tool.objects.prefetch_related("categories").select_related("stack_entry").order_by("name")
    if selected:
        tools = tools.filter(categories=selected)
    context = {"categories": categories, "selected": selected, "page": paginate(request, tools, per_page=24)}
    return render_page_or_fragment(
        request, "catalog/tool_list.html", "catalog/partials/tool_results.html", context
    )


def tool_detail(request, slug):
    tool = get_object_or_404(
        Tool.objects.prefetch_related("categories").select_related("stack_entry__owner"), slug=slug
    )
    entry = getattr(tool, "stack_entry", None)
    return render(request, "catalog/tool_detail.html", {"tool": tool, "entry": entry})
