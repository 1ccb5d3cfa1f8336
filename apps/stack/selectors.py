"""Read-side queries for the stack pages."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Sum

from apps.catalog.models import Category
from apps.stack.models import IN_USE, Lifecycle, MLModel, StackEntry

# On the overview: what is in the stack or on its way in.
ON_OVERVIEW = [*IN_USE, Lifecycle.EVALUATING, Lifecycle.PROPOSED]


@dataclass
class CategoryRow:
    category: Category
    entries: list = field(default_factory=list)

    @property
    def in_use(self) -> list:
        return [e for e in self.entries if e.lifecycle in IN_USE]

    @property
    def is_gap(self) -> bool:
        """A minimum-stack category with no tool in use."""
        return self.category.in_minimum_stack and not self.in_use

    @property
    def is_overlap(self) -> bool:
        limit = self.category.max_adopted
        return limit is not None and len(self.in_use) > limit


def stack_by_category() -> list[CategoryRow]:
    """Every category with the entries on the overview; a tool in two categories is in both."""
    entries = (
        StackEntry.objects.filter(lifecycle__in=ON_OVERVIEW)
        .select_related("tool", "owner", "team")
        .prefetch_related(Prefetch("tool__categories", queryset=Category.objects.only("id")))
    )
    rows = {category.id: CategoryRow(category) for category in Category.objects.all()}
    for entry in entries:
        for category in entry.tool.categories.all():
            rows[category.id].entries.append(entry)
    return list(rows.values())


def monthly_cost() -> dict[str, Decimal]:
    """The stack in use: licences a month and engineer hours a month."""
    totals = StackEntry.objects.filter(lifecycle__in=IN_USE).aggregate(
        licence=Sum("licence_per_month"), hours=Sum("ops_hours_per_month")
    )
    return {key: value or Decimal("0") for key, value in totals.items()}


def models_in_production() -> int:
    return MLModel.objects.filter(stage=MLModel.Stage.PRODUCTION).count()
