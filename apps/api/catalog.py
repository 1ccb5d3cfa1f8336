"""The catalogue: categories and tools."""

from django.db.models import Prefetch
from django.db.models.functions import Lower
from ninja import Router
from ninja.pagination import paginate

from apps.api import schemas
from apps.api.auth import reads
from apps.api.errors import READ_ERRORS, not_found
from apps.api.pagination import Page
from apps.catalog.models import Category, Tool

router = Router(tags=["catalogue"], auth=reads())


def tools():
    return (
        Tool.objects.select_related("stack_entry")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.all()))
        .order_by(Lower("name"), "pk")
    )


@router.get("/categories/", response={200: list[schemas.Category], **READ_ERRORS}, url_name="category-list")
@paginate(Page)
def category_list(request):
    """The categories a stack is made of, in the overview's order."""
    return Category.objects.order_by("position", "name", "pk")


@router.get("/tools/", response={200: list[schemas.Tool], **READ_ERRORS}, url_name="tool-list")
@paginate(Page)
def tool_list(request, category: str | None = None):
    """The catalogue by name; narrowed to a category (its key)."""
    return tools().filter(categories__key=category) if category else tools()


@router.get("/tools/{slug:slug}/", response={200: schemas.Tool, **READ_ERRORS}, url_name="tool-detail")
def tool_read(request, slug: str):
    tool = tools().filter(slug=slug).first()
    if tool is None:
        raise not_found("tool", ["path", "slug"])
    return tool
