from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.models import Team
from apps.catalog.models import Category


class PainPointManager(models.Manager):
    def get_by_natural_key(self, title):
        return self.get(title=title)


class PainPoint(models.Model):
    """Something that hurts a team today, with evidence: the only thing that justifies a tool.

    One marked anticipated (a need that may never arrive) never justifies an adoption
    (seed rule 1).
    """

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        EVALUATING = "evaluating", "Being evaluated"
        ADDRESSED = "addressed", "Addressed"
        DISMISSED = "dismissed", "Dismissed"

    title = models.CharField(max_length=200, unique=True)
    description = models.TextField("what happens", blank=True)
    evidence = models.TextField(
        blank=True, help_text="An incident, a frequency, who is hurt: what shows it is real."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="pain_points"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="pain_points"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_pain_points",
    )
    anticipated = models.BooleanField(
        default=False, help_text="An anticipated need, not felt today: it cannot justify a tool."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PainPointManager()

    class Meta:
        ordering = ["-created_at", "title"]
        indexes = [
            models.Index(fields=["-created_at", "title"]),  # the list's order
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["severity", "-created_at"]),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.title,)

    @property
    def named_today(self) -> bool:
        return not self.anticipated

    def set_status(self, status: str, *, by=None, now, note: str = "") -> "StatusChange | None":
        """Change the status and record who did it and when; None when it is unchanged."""
        status = self.Status(status)
        if status == self.status:
            return None
        before, self.status = self.status, status
        self.save(update_fields=["status", "updated_at"])
        return self.status_changes.create(
            from_status=before, to_status=status, by=by, at=now, note=note
        )


class StatusChange(models.Model):
    """One step in a pain point's history: its status changed, by whom, when and why."""

    pain_point = models.ForeignKey(PainPoint, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=PainPoint.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=PainPoint.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["pain_point", "at"])]

    def __str__(self):
        return f"{self.pain_point}: {self.from_status or 'new'} → {self.to_status}"
