"""Read-side queries for the stack pages and the linter."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce

from apps.catalog.models import Category
from apps.painpoints.models import PainPoint
from apps.stack.models import IN_USE, Lifecycle, MLModel, OrganisationProfile, StackEntry

# In the stack or on their way in: the overview shows them and the linter reads them.
CURRENT = [*IN_USE, Lifecycle.EVALUATING, Lifecycle.PROPOSED]
STALE_PAIN_AFTER = timedelta(days=90)


@dataclass
class StackState:
    """The stack as the overview and the linter read it, loaded in a fixed number of queries
    whatever its size."""

    entries: list[StackEntry]
    categories: list[Category]
    profile: OrganisationProfile
    named_pain_categories: set[int] = field(default_factory=set)
    now: datetime | None = None

    @cached_property
    def models_in_production(self) -> int:
        return MLModel.objects.filter(stage=MLModel.Stage.PRODUCTION).count()

    @cached_property
    def stale_pain_points(self) -> list[PainPoint]:
        """Open pain points older than STALE_PAIN_AFTER that no tool is evaluated against."""
        return list(
            PainPoint.objects.filter(status=PainPoint.Status.OPEN, created_at__lt=self.now - STALE_PAIN_AFTER)
            .annotate(answers=Count("stack_entries", filter=~Q(stack_entries__lifecycle=Lifecycle.REJECTED)))
            .filter(answers=0)
            .order_by("created_at")
        )

    @classmethod
    def load(cls, now, around: StackEntry | None = None) -> "StackState":
        """The whole stack; or, `around` an entry, that entry and the others in its categories
        (all that the rules about one entry compare it with)."""
        categories = list(Category.objects.all())
        current = StackEntry.objects.filter(lifecycle__in=CURRENT)
        if around is not None:
            neighbours = Q(tool__categories__in=around.tool.categories.all()) | Q(pk=around.pk)
            current = current.filter(pk__in=StackEntry.objects.filter(neighbours).values("pk"))
        entries = list(
            current
            .select_related("tool", "owner", "team", "probe")
            .prefetch_related(
                Prefetch("tool__categories", queryset=Category.objects.all()),
                Prefetch("pain_points", queryset=PainPoint.objects.only("id", "title", "anticipated", "category_id")),
            )
        )
        named = set(
            PainPoint.objects.filter(anticipated=False, category__isnull=False)
            .exclude(status=PainPoint.Status.DISMISSED)
            .order_by()
            .values_list("category_id", flat=True)
            .distinct()
        )
        return cls(
            entries=entries,
            categories=categories,
            profile=OrganisationProfile.load(),
            named_pain_categories=named,
            now=now,
        )

    def in_use(self) -> list[StackEntry]:
        return [e for e in self.entries if e.lifecycle in IN_USE]


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
        return self.category.is_crowded(len(self.in_use))


def monthly_cost(profile: OrganisationProfile) -> dict[str, Decimal]:
    """The stack in use, a month: licences, engineer hours, and both priced together."""
    zero = Value(Decimal(0))
    sums = StackEntry.objects.filter(lifecycle__in=IN_USE).aggregate(
        licence=Coalesce(Sum("licence_per_month"), zero, output_field=DecimalField()),
        hours=Coalesce(Sum("ops_hours_per_month"), zero, output_field=DecimalField()),
    )
    return {**sums, "total": profile.monthly_cost(sums["licence"], sums["hours"])}
