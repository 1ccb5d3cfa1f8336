from django.conf import settings
from django.db import models

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
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.title,)

    @property
    def named_today(self) -> bool:
        return not self.anticipated
