from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.models import Team
from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint


class Lifecycle(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    EVALUATING = "evaluating", "Evaluating"
    ADOPTED = "adopted", "Adopted"
    FLAGGED = "flagged", "Flagged for removal"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"


# Where an entry may go from each lifecycle state. Nothing is ever deleted: a retired or
# rejected tool can only be proposed again.
TRANSITIONS = {
    Lifecycle.PROPOSED: {Lifecycle.EVALUATING, Lifecycle.ADOPTED, Lifecycle.REJECTED},
    Lifecycle.EVALUATING: {Lifecycle.ADOPTED, Lifecycle.REJECTED, Lifecycle.PROPOSED},
    Lifecycle.ADOPTED: {Lifecycle.FLAGGED, Lifecycle.RETIRED},
    Lifecycle.FLAGGED: {Lifecycle.ADOPTED, Lifecycle.RETIRED},
    Lifecycle.RETIRED: {Lifecycle.PROPOSED},
    Lifecycle.REJECTED: {Lifecycle.PROPOSED},
}

KEPT_SNOOZE_DAYS = 90  # a flagged tool a lead keeps is not questioned again for this long
DEFAULT_UNUSED_AFTER_DAYS = 90  # no activity for this long makes a tool unused, unless set otherwise

# Entries that are part of the stack today: they count for overlap, cost and review.
IN_USE = [Lifecycle.ADOPTED, Lifecycle.FLAGGED]


class UsageState(models.TextChoices):
    """What the probes say of a tool's use. Unknown is never the same as unused."""

    ACTIVE = "active", "Active"
    IDLE = "idle", "Idle"
    UNUSED = "unused", "Unused"
    UNKNOWN = "unknown", "Unknown"


class Verdict(models.TextChoices):
    PENDING = "pending", "Not assessed"
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"


FILTERS = {
    "capability": "Capability",
    "integration": "Integration",
    "operational_cost": "Operational cost",
}


# What the pain points a tool answers become when it moves: lifecycle -> (from, to).
PAIN_POINTS_FOLLOW = {
    Lifecycle.EVALUATING: ([PainPoint.Status.OPEN], PainPoint.Status.EVALUATING),
    Lifecycle.ADOPTED: ([PainPoint.Status.OPEN, PainPoint.Status.EVALUATING], PainPoint.Status.ADDRESSED),
}
# Where a failed filter sends an entry: a candidate is rejected, a tool in use is flagged.
FAILED_FILTER_MOVES = {
    Lifecycle.PROPOSED: Lifecycle.REJECTED,
    Lifecycle.EVALUATING: Lifecycle.REJECTED,
    Lifecycle.ADOPTED: Lifecycle.FLAGGED,
}


class TransitionError(Exception):
    """A lifecycle move that the rules refuse; `reasons` says why, one sentence each."""

    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


class StackEntry(models.Model):
    """The organisation's use of one catalogue tool, from proposal to retirement.

    It carries the single owner, the pain points the tool answers, the three adoption
    filters (seed rule 2) and what the tool costs to keep.
    """

    tool = models.OneToOneField(Tool, on_delete=models.PROTECT, related_name="stack_entry")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="stack_entries"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_entries",
    )
    lifecycle = models.CharField(
        max_length=12, choices=Lifecycle.choices, default=Lifecycle.PROPOSED
    )
    pain_points = models.ManyToManyField(PainPoint, blank=True, related_name="stack_entries")

    capability = models.CharField(max_length=8, choices=Verdict.choices, default=Verdict.PENDING)
    capability_rationale = models.TextField(blank=True)
    integration = models.CharField(max_length=8, choices=Verdict.choices, default=Verdict.PENDING)
    integration_rationale = models.TextField(blank=True)
    operational_cost = models.CharField(
        max_length=8, choices=Verdict.choices, default=Verdict.PENDING
    )
    operational_cost_rationale = models.TextField(blank=True)

    licence_per_month = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="In the organisation's currency.",
    )
    ops_hours_per_month = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Engineer hours a month spent keeping it running.",
    )
    notes = models.TextField(blank=True)
    adopted_on = models.DateField(null=True, blank=True)
    retired_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Usage, kept up to date by the probes (see apps.probes.usage).
    usage_state = models.CharField(
        max_length=8, choices=UsageState.choices, default=UsageState.UNKNOWN, editable=False
    )
    usage_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    unused_after_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the category's and the probe's threshold."
    )
    # The removal pipeline: the owner was asked; still needed until; removal planned for.
    removal_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    snoozed_until = models.DateField(null=True, blank=True)
    removal_planned_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = [Lower("tool__name")]
        verbose_name_plural = "stack entries"
        indexes = [models.Index(fields=["lifecycle"]), models.Index(fields=["usage_state"])]
        permissions = [("import_stackfile", "Can import a stack file")]

    def __str__(self):
        return self.tool.name

    def clean(self):
        failed = [label.lower() for label, _ in self.failed_filters()]
        if failed and self.lifecycle == Lifecycle.ADOPTED:
            raise ValidationError(
                {"lifecycle": f"It failed the {' and '.join(failed)} filter, so it cannot be "
                 f"{self.get_lifecycle_display().lower()}: a tool that fails any filter is rejected."}
            )

    def verdicts(self) -> list[tuple[str, str, str, str]]:
        """(field, label, verdict, rationale) for each of the three filters, in order."""
        return [
            (field, label, getattr(self, field), getattr(self, f"{field}_rationale"))
            for field, label in FILTERS.items()
        ]

    def passes_filters(self) -> bool:
        """Whether all three adoption filters are recorded as passed."""
        return all(verdict == Verdict.PASS for _, _, verdict, _ in self.verdicts())

    def failed_filters(self) -> list[tuple[str, str]]:
        """(label, rationale) of each filter it failed: any one rejects it (seed rule 2)."""
        return [(label, rationale) for _, label, verdict, rationale in self.verdicts() if verdict == Verdict.FAIL]

    def move_after_failed_filter(self) -> str | None:
        """Where a failed filter sends it: a candidate is rejected, a tool in use flagged."""
        return FAILED_FILTER_MOVES.get(Lifecycle(self.lifecycle))

    def unused_after(self, probe=None) -> tuple[int, str]:
        """The days without activity after which it counts as unused, and where that number is
        set: on the entry, else its category (the longest of them), else its probe (90 days
        when it has none)."""
        if self.unused_after_days:
            return self.unused_after_days, "this entry"
        categories = [c for c in self.tool.categories.all() if c.unused_after_days]
        if categories:
            longest = max(categories, key=lambda c: c.unused_after_days)
            return longest.unused_after_days, f"the {longest.name} category"
        if probe is not None:
            return probe.unused_after_days, "its probe"
        return DEFAULT_UNUSED_AFTER_DAYS, "the default"

    @property
    def is_unassessed(self) -> bool:
        """Adopted before anyone passed it through the three filters (a legacy entry)."""
        return self.lifecycle in IN_USE and any(
            verdict == Verdict.PENDING for _, _, verdict, _ in self.verdicts()
        )

    def adoption_blockers(self, pain_points=None) -> list[str]:
        """Why this entry may not be adopted yet; empty when it may (seed rules 1 and 2).

        `pain_points` stands in for the stored ones, to judge a change before it is saved.
        """
        reasons = [f"It failed the {label.lower()} filter: {rationale or 'no rationale given'}."
                   for label, rationale in self.failed_filters()]
        reasons += [f"The {label.lower()} filter has not been assessed."
                    for _, label, verdict, _ in self.verdicts() if verdict == Verdict.PENDING]
        pain_points = self.pain_points.all() if pain_points is None else pain_points
        if not any(p.named_today for p in pain_points):
            reasons.append("No pain point named today justifies it (anticipated needs do not count).")
        if self.owner_id is None:
            reasons.append("It has no owner.")
        return reasons

    def overlap_if_adopted(self) -> list[str]:
        """A warning for each category that adopting this tool would crowd past the number of
        tools it allows (seed rule 3: one experiment tracker, not two)."""
        if self.lifecycle in IN_USE:
            return []
        warnings = []
        for category in self.tool.categories.all():
            if category.max_adopted is None:
                continue
            others = sorted(StackEntry.objects.filter(lifecycle__in=IN_USE, tool__categories=category)
                            .exclude(pk=self.pk).values_list("tool__name", flat=True))
            if category.is_crowded(len(others) + 1):
                allows = "one tool" if category.max_adopted == 1 else f"{category.max_adopted} tools"
                warnings.append(f"{category.name} allows {allows} and already runs {', '.join(others)}: adopting "
                                f"{self.tool} makes {len(others) + 1}, an overlap.")
        return warnings

    def reset_assessment(self) -> str:
        """Start a fresh assessment for a tool proposed again; return the old one as text."""
        old = "; ".join(
            f"{label.lower()} {verdict}" + (f" ({rationale})" if rationale else "")
            for field, label, verdict, rationale in self.verdicts()
            if verdict != Verdict.PENDING
        )
        for field in FILTERS:
            setattr(self, field, Verdict.PENDING)
            setattr(self, f"{field}_rationale", "")
        self.adopted_on = self.retired_on = None
        return f"Earlier assessment: {old}." if old else ""

    def move_blockers(self, lifecycle: str, *, current: str | None = None, pain_points=None) -> list[str]:
        """Why the rules refuse a move from `current` (the stored lifecycle) to `lifecycle`;
        empty when they allow it. `pain_points` stand in for the stored ones."""
        current, target = Lifecycle(current or self.lifecycle), Lifecycle(lifecycle)
        if target not in TRANSITIONS[current]:
            return [f"A {current.label.lower()} entry cannot become {target.label.lower()}."]
        if target == Lifecycle.ADOPTED and current != Lifecycle.FLAGGED:
            return self.adoption_blockers(pain_points)
        return []

    def record_arrival(self, *, by=None, now, note: str = "") -> "LifecycleTransition":
        """Record how a new entry arrived in its lifecycle (proposed from the catalogue, or
        registered adopted from a stack file): its first transition, its dates, and the pain
        points it answers following."""
        if self.lifecycle == Lifecycle.ADOPTED and not self.adopted_on:
            self.adopted_on = now.date()
        if self.lifecycle == Lifecycle.RETIRED and not self.retired_on:
            self.retired_on = now.date()
        self.save()
        self.pain_points_follow(self.lifecycle, by=by, now=now)
        return self.transitions.create(to_lifecycle=self.lifecycle, by=by, at=now, note=note)

    def allowed_moves(self) -> list[str]:
        return sorted(TRANSITIONS[Lifecycle(self.lifecycle)])

    @transaction.atomic
    def move_to(self, lifecycle: str, *, by=None, now, note: str = "") -> "LifecycleTransition":
        """Move to another lifecycle state under the rules, and record who did it and when."""
        target = Lifecycle(lifecycle)
        # Lock the row and decide on what is stored, so two people moving the same entry at
        # once cannot both succeed from the same starting state.
        StackEntry.objects.select_for_update().filter(pk=self.pk).exists()
        self.refresh_from_db()
        current = Lifecycle(self.lifecycle)
        blockers = self.move_blockers(target)
        if blockers:
            raise TransitionError(blockers)
        if target == Lifecycle.ADOPTED and current != Lifecycle.FLAGGED:
            self.adopted_on = now.date()
        if target == Lifecycle.RETIRED:
            self.retired_on = now.date()
        if current == Lifecycle.FLAGGED and target == Lifecycle.ADOPTED:
            # Kept after all: the removal pipeline stops, and waits before asking again.
            self.removal_asked_at = self.removal_planned_on = None
            self.snoozed_until = (now + timedelta(days=KEPT_SNOOZE_DAYS)).date()
        if target == Lifecycle.PROPOSED and current in (Lifecycle.RETIRED, Lifecycle.REJECTED):
            note = " ".join(filter(None, [note, self.reset_assessment()]))
        self.lifecycle = target
        self.save()
        self.pain_points_follow(target, by=by, now=now)
        return self.transitions.create(
            from_lifecycle=current, to_lifecycle=target, by=by, at=now, note=note
        )

    def pain_points_follow(self, lifecycle: str, *, by, now) -> None:
        """Evaluating a tool puts its open pain points under evaluation; adopting it
        addresses them (PAIN_POINTS_FOLLOW)."""
        if lifecycle not in PAIN_POINTS_FOLLOW:
            return
        before, after = PAIN_POINTS_FOLLOW[lifecycle]
        for pain in self.pain_points.filter(status__in=before):
            pain.set_status(after, by=by, now=now, note=f"{self.tool} is {Lifecycle(lifecycle).label.lower()}.")


class UsageChange(models.Model):
    """A change of a stack entry's usage state, with when and why."""

    entry = models.ForeignKey(StackEntry, on_delete=models.CASCADE, related_name="usage_changes")
    at = models.DateTimeField()
    from_state = models.CharField(max_length=8, choices=UsageState.choices)
    to_state = models.CharField(max_length=8, choices=UsageState.choices)
    reason = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "at"])]

    def __str__(self):
        return f"{self.entry}: {self.from_state} → {self.to_state}"


class LifecycleTransition(models.Model):
    """One dated step in a stack entry's lifecycle, with who made it."""

    entry = models.ForeignKey(StackEntry, on_delete=models.CASCADE, related_name="transitions")
    from_lifecycle = models.CharField(max_length=12, choices=Lifecycle.choices, blank=True)
    to_lifecycle = models.CharField(max_length=12, choices=Lifecycle.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "at"])]

    def __str__(self):
        return f"{self.entry}: {self.from_lifecycle or 'new'} → {self.to_lifecycle}"


class MLModel(models.Model):
    """An ML model the organisation runs or is building, and the stack entries it depends on.

    Models in production set the stage of the organisation (seed rule 7); the four links are
    its deployment path (rule 9).
    """

    class Stage(models.TextChoices):
        DEVELOPMENT = "development", "In development"
        STAGING = "staging", "Staging"
        PRODUCTION = "production", "In production"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="ml_models"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.DEVELOPMENT)
    tracker = models.ForeignKey(
        StackEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registry = models.ForeignKey(
        StackEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    serving = models.ForeignKey(
        StackEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    monitoring = models.ForeignKey(
        StackEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "model"
        indexes = [models.Index(fields=["stage"])]

    def __str__(self):
        return self.name

    # The links a model needs before it can run in production, and why (rule 9).
    DEPLOYMENT_PATH = [
        ("tracker", False, "How it was trained"),
        ("registry", True, "Rollback needs a registry with lineage"),
        ("serving", True, "A model without a serving target dies in a notebook"),
        ("monitoring", True, "Without a monitoring contract nobody knows it has degraded"),
    ]

    @property
    def path(self) -> list[dict]:
        """Each link of the deployment path: its entry, and whether its absence is a gap."""
        live = self.stage in (self.Stage.PRODUCTION, self.Stage.STAGING)
        return [
            {"role": role, "entry": getattr(self, role), "needed": needed and live, "why": why}
            for role, needed, why in self.DEPLOYMENT_PATH
        ]

    @property
    def gaps(self) -> list[str]:
        return [link["role"] for link in self.path if link["needed"] and link["entry"] is None]


class OrganisationProfile(models.Model):
    """What the organisation already runs, which the seed's rules depend on (one row).

    Until a lead says otherwise, Kubernetes is not operated: the seed advises against
    Kubernetes-native tools unless a cluster is already in place.
    """

    class Cloud(models.TextChoices):
        NONE = "none", "No public cloud"
        AWS = "aws", "AWS"
        GCP = "gcp", "Google Cloud"
        AZURE = "azure", "Azure"
        OTHER = "other", "Another cloud"

    cloud = models.CharField(max_length=10, choices=Cloud.choices, default=Cloud.NONE)
    kubernetes_operated = models.BooleanField(
        "Kubernetes is operated", default=False,
        help_text="A Kubernetes cluster the platform team already runs competently.",
    )
    data_orchestrator = models.ForeignKey(
        Tool,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"categories__key": "pipeline-orchestration"},
        help_text="The orchestrator the data team already runs, if any.",
    )
    engineer_hourly_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(0)],
        help_text="What an engineer hour costs, to price the upkeep of each tool.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "organisation profile"

    def __str__(self):
        return "Organisation profile"

    @classmethod
    def load(cls) -> "OrganisationProfile":
        """The profile row (made by a migration; recreated should it ever be missing)."""
        profile = cls.objects.select_related("data_orchestrator").filter(pk=1).first()
        return profile or cls.objects.create(pk=1)

    def monthly_cost(self, licence: Decimal, hours: Decimal) -> Decimal:
        """A tool's monthly cost: its licence plus its upkeep at the engineer's hourly cost."""
        return licence + hours * self.engineer_hourly_cost


class StackVersion(models.Model):
    """Counts the changes to what the overview and the linter read (one row): a summary of the
    whole stack is worked out once per version, not on every page."""

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Stack version {self.number}"

    @classmethod
    def current(cls) -> int:
        """The version (its row is made by a migration; the next change remakes it if missing)."""
        return cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
