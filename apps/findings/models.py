from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

LOCK = 0x5714D  # the advisory lock PostgreSQL holds while findings are written


class FindingQuerySet(models.QuerySet):
    def standing(self, today):
        """The findings that count on `today`: those no acceptance covers that day."""
        return self.filter(Q(acceptance__isnull=True) | Q(acceptance__expires_on__lte=today))

    def accepted(self, today):
        """The findings a lead accepted, until the acceptance expires."""
        return self.filter(acceptance__expires_on__gt=today)

    def one_per_category(self, codes):
        """For the rules in `codes`, which report per category, the category's first finding
        alone (its message names every tool); the other rules' findings as they are."""
        earlier = Finding.objects.filter(code=OuterRef("code"), category=OuterRef("category"), id__lt=OuterRef("id"))
        return self.exclude(Q(code__in=codes) & Exists(earlier))


class About(models.Model):
    """What a finding, or the acceptance of one, is about: a stack entry, a pain point, a
    category, or an entry in a category."""

    entry = models.ForeignKey("stack.StackEntry", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="%(class)ss")
    pain_point = models.ForeignKey("painpoints.PainPoint", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="%(class)ss")
    category = models.ForeignKey("catalog.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="%(class)ss")

    class Meta:
        abstract = True

    @property
    def key(self) -> tuple:
        """What makes it the same finding from one run to the next, whatever its wording."""
        return (self.code, self.entry_id, self.pain_point_id, self.category_id)


class Finding(About):
    """Where the stack breaks a rule of tool selection. The linter (`rules.py`) makes these; a
    background run stores them (`services.refresh`), so the pages read them without linting."""

    code = models.CharField(max_length=40)
    message = models.TextField()
    rank = models.PositiveSmallIntegerField(default=0, help_text="The rule's place in the linter: the order shown.")
    found_at = models.DateTimeField(null=True, help_text="When a run first found it; kept while it holds.")
    acceptance = models.ForeignKey("Acceptance", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="findings", help_text="The acceptance that covers it, if any.")

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["code", "rank", "id"]), models.Index(fields=["rank", "id"])]

    def __str__(self):
        return f"{self.code}: {self.subject}"

    @staticmethod
    def lock() -> None:
        """Hold the findings for this transaction: runs, entry refreshes and acceptances write
        one at a time."""
        if connection.vendor == "postgresql":  # SQLite runs one writer at a time anyway
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])

    @property
    def subject(self) -> str:
        return str(self.entry or self.pain_point or self.category)

    @property
    def url(self) -> str:
        if self.entry_id:
            return reverse("entry-detail", kwargs={"pk": self.entry_id})
        if self.pain_point_id:
            return reverse("painpoint-detail", kwargs={"pk": self.pain_point_id})
        if self.code == "unregistered":
            return reverse("discovered-list")
        return reverse("overview") + f"#cat-{self.category.key}"


class Acceptance(About):
    """A lead's decision to live with a finding for a while, with the reason kept, as a linter's
    suppression is. Until `expires_on` the finding is shown apart and counts nowhere: not on the
    pages, not in the linter's exit code; on that day it returns. Made and checked by
    `apps.findings.acceptances`, from the findings page, the stack file and the admin alike."""

    code = models.CharField("rule", max_length=40)
    rationale = models.TextField(help_text="Why the stack lives with this finding for now.")
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="accepted_findings",
                              help_text="Who answers for it.")
    expires_on = models.DateField(help_text="The day the finding counts again.")
    accepted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["code", "category"])]
        constraints = [
            models.UniqueConstraint(
                "code", Coalesce("entry", 0), Coalesce("pain_point", 0), Coalesce("category", 0),
                name="one_acceptance_per_finding",
                violation_error_message="This finding is accepted already: change that acceptance.",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.subject} (accepted until {self.expires_on:%Y-%m-%d})"

    @property
    def subject(self) -> str:
        parts = [self.entry and self.entry.tool.name, self.category and self.category.name,
                 self.pain_point and self.pain_point.title]
        return " · ".join(part for part in parts if part)

    def holds_on(self, today) -> bool:
        return today < self.expires_on


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
