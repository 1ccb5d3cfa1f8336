from django.db import models
from django.urls import reverse


class Finding(models.Model):
    """Where the stack breaks a rule of tool selection. The linter (`rules.py`) makes these; a
    background run stores them (`services.refresh`), so the pages read them without linting."""

    code = models.CharField(max_length=40)
    message = models.TextField()
    entry = models.ForeignKey("stack.StackEntry", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="findings")
    pain_point = models.ForeignKey("painpoints.PainPoint", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="findings")
    category = models.ForeignKey("catalog.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="findings")
    rank = models.PositiveSmallIntegerField(default=0, help_text="The rule's place in the linter: the order shown.")
    found_at = models.DateTimeField(null=True, help_text="When a run first found it; kept while it holds.")

    class Meta:
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["code", "rank", "id"]), models.Index(fields=["rank", "id"])]

    def __str__(self):
        return f"{self.code}: {self.subject}"

    @property
    def key(self) -> tuple:
        """What makes it the same finding from one run to the next, whatever its wording."""
        return (self.code, self.entry_id, self.pain_point_id, self.category_id)

    @property
    def subject(self) -> str:
        return str(self.entry or self.pain_point or self.category)

    @property
    def url(self) -> str:
        if self.entry_id:
            return reverse("entry-detail", kwargs={"pk": self.entry_id})
        if self.pain_point_id:
            return reverse("painpoint-detail", kwargs={"pk": self.pain_point_id})
        return reverse("overview") + f"#cat-{self.category.key}"


class LinterRun(models.Model):
    """The linter's runs over the whole stack, in one row: when one was last asked for and when
    the last one finished."""

    requested_at = models.DateTimeField(null=True, help_text="Set while a run is queued and not yet started.")
    finished_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0)
    findings = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Linter run of {self.finished_at:%Y-%m-%d %H:%M}" if self.finished_at else "Linter never run"

    @classmethod
    def load(cls) -> "LinterRun":
        return cls.objects.get_or_create(pk=1)[0]
