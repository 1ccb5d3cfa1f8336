from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from apps.catalog.models import Category
from apps.painpoints.models import PainPoint
from apps.stack.models import StackEntry

SHORTLIST = (2, 3)  # a shortlist of two or three tools (seed rule 5)


class Evaluation(models.Model):
    """A structured evaluation: requirements from pain points, a shortlist of two or three
    tools, a representative use case implemented end to end by one time-boxed trial per tool."""

    title = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="evaluations")
    pain_points = models.ManyToManyField(PainPoint, related_name="evaluations")
    use_case = models.TextField(help_text="What “end to end” means here: the case each trial must implement.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Called off before a decision: why, by whom and when stay in its history.
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", editable=False)
    cancel_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Trial(models.Model):
    """About one week with one shortlisted tool, implementing the use case end to end."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Running"
        OVERDUE = "overdue", "Overdue"
        DONE = "done", "Done"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="trials")
    entry = models.ForeignKey(StackEntry, on_delete=models.PROTECT, related_name="trials")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="trials")
    start_on = models.DateField(null=True, blank=True)
    time_box_days = models.PositiveSmallIntegerField(default=7, validators=[MinValueValidator(1), MaxValueValidator(60)])
    finished_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT, editable=False)
    # Scored 1 (painful) to 5 (smooth): what implementation surfaces that marketing does not.
    integration_friction = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    integration_notes = models.TextField(blank=True)
    documentation_quality = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    documentation_notes = models.TextField(blank=True)
    operational_overhead = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    operational_notes = models.TextField(blank=True)
    ran_end_to_end = models.BooleanField(null=True, blank=True)
    evidence_url = models.URLField(blank=True)

    class Meta:
        ordering = ["start_on", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "entry"], name="one_trial_per_tool")]
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.entry.tool} trial"

    @property
    def ends_on(self) -> date | None:
        return self.start_on + timedelta(days=self.time_box_days) if self.start_on else None

    def state_on(self, today: date) -> str:
        """The state the calendar gives on `today`."""
        if self.finished_on:
            return self.State.DONE
        if self.start_on is None:
            return self.State.DRAFT
        if today < self.start_on:
            return self.State.SCHEDULED
        if today < self.ends_on:
            return self.State.RUNNING
        return self.State.OVERDUE

    @property
    def score(self) -> int | None:
        scores = [self.integration_friction, self.documentation_quality, self.operational_overhead]
        return sum(scores) if all(s is not None for s in scores) else None


class TrialLogEntry(models.Model):
    """One day's finding during a trial."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="log")
    day = models.DateField(default=timezone.localdate)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "created_at"]

    def __str__(self):
        return f"{self.trial} {self.day}"


class DecisionRecord(models.Model):
    """The decision an evaluation led to, written like an architecture decision record."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        SUPERSEDED = "superseded", "Superseded"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(max_length=200)
    context = models.TextField(help_text="The pain points and what the trials set out to show.")
    chosen = models.ForeignKey(Trial, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text="Empty: none of the shortlist is adopted.")
    outcome = models.TextField(help_text="What was decided and why, from what the trials surfaced.")
    consequences = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    revisit_by = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "revisit_by"])]

    def __str__(self):
        return self.title

    @property
    def number(self) -> str:
        return f"{self.pk:04d}"
