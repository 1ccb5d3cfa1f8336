from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.evaluations.models import Evaluation
from apps.stack.models import Lifecycle, StackEntry, UsageState


class Review(models.Model):
    """The annual stack review (seed rule 8): the team walks the stack and decides, tool by
    tool, from evidence frozen when the meeting opens. A team's review walks its own entries,
    chaired by its lead; the organisation's walks every entry and takes the decisions the teams'
    reviews of the year took on theirs."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "In progress"
        CLOSED = "closed", "Closed"

    year = models.PositiveIntegerField()
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews",
        help_text="A team's review walks its stack entries; none: the whole organisation's.",
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who chairs it: for a team's review, one of its leads.",
    )
    held_on = models.DateField("date")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="reviews")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The review this one is compared with: the latest one opened before it.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    unregistered = models.JSONField(
        default=list, blank=True, help_text="[{tool, found_by}] in use but not on the stack when it opened."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "team__name"]
        indexes = [models.Index(fields=["status", "held_on"])]
        constraints = [
            models.UniqueConstraint(
                "year", Coalesce("team", 0), name="one_review_a_year_each",
                violation_error_message="There is a review for this year already.",
            ),
        ]

    def __str__(self):
        return f"{self.team} stack review {self.year}" if self.team_id else f"Stack review {self.year}"


class Decision(models.TextChoices):
    KEEP = "keep", "Keep"
    REPLACE = "replace", "Replace"
    REMOVE = "remove", "Remove"
    INVESTIGATE = "investigate", "Investigate"


class ReviewItem(models.Model):
    """One stack entry on a review's agenda: the evidence as it stood when the review opened
    (never recomputed), and the decision the meeting took."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(StackEntry, on_delete=models.PROTECT, related_name="review_items")
    position = models.PositiveIntegerField(help_text="Place on the agenda, riskiest first.")

    # The evidence snapshot.
    tool_name = models.CharField(max_length=150)
    category_keys = models.JSONField(default=list)
    category_names = models.CharField(max_length=300, blank=True)
    lifecycle = models.CharField(max_length=12, choices=Lifecycle.choices)
    usage_state = models.CharField(max_length=8, choices=UsageState.choices)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    trend = models.JSONField(default=list, help_text="Activity a day over 90 days, oldest first.")
    licence_per_month = models.DecimalField(max_digits=10, decimal_places=2)
    ops_hours_per_month = models.DecimalField(max_digits=6, decimal_places=1)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner_name = models.CharField(max_length=200, blank=True)
    findings = models.JSONField(default=list, help_text="[{code, message}] open when the review opened.")
    accepted_findings = models.JSONField(
        default=list, help_text="[{code, message, rationale, owner, until}] accepted when the review opened: "
        "they count nowhere, and the review sees whether they still should."
    )
    pain_points = models.JSONField(default=list)
    decision_record = models.JSONField(null=True, blank=True)
    changes = models.JSONField(default=list, help_text="What changed since the previous review.")
    risks = models.JSONField(default=list, help_text="Why it is high on the agenda.")

    # The decision.
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    rationale = models.TextField(blank=True)
    action_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_in = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The team's review that took this decision, rolled up into the organisation's; applied when that one closed.",
    )
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   help_text="The draft evaluation a replace decision opened.")

    class Meta:
        ordering = ["review", "position"]
        constraints = [models.UniqueConstraint(fields=["review", "entry"], name="one_item_per_entry")]

    def __str__(self):
        return f"{self.review}: {self.tool_name}"

    @property
    def is_healthy(self) -> bool:
        return not self.risks and not self.findings


class Task(models.Model):
    """Something to find out about a tool, with an owner and a date: what an "investigate"
    decision leaves behind."""

    entry = models.ForeignKey(StackEntry, on_delete=models.CASCADE, related_name="tasks")
    item = models.OneToOneField(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="task")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="tasks")
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_on", "due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self):
        return self.title
