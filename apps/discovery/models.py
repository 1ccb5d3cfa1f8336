from django.core.exceptions import ValidationError
from django.db import models

from apps.lib.netguard import RefusedTarget, check_url

MAX_EVIDENCE = 500  # places kept per tool and source; the rest are counted
SHOWN = 5  # places a page shows before "and N more"


class Kind(models.TextChoices):
    PROMETHEUS = "prometheus", "Prometheus: scrape targets and metric names"
    REQUIREMENTS = "requirements", "Dependency files in a folder of repositories"
    MLFLOW = "mlflow", "MLflow: registered models and their serving tags"


URL_KINDS = {Kind.PROMETHEUS, Kind.MLFLOW}
# A source's credential is a worker variable of this name: never the worker's other secrets.
CREDENTIAL_PREFIX = "DISCOVERY_"


def validate_source_url(url: str) -> None:
    try:
        check_url(url)
    except RefusedTarget as refused:
        raise ValidationError(str(refused)) from None


class DiscoverySource(models.Model):
    """A system where tools leave traces: a Prometheus, a folder of the organisation's
    repositories, an MLflow tracking server. Discovery reads it daily for the catalogue's
    tools by their signatures (Tool.packages, prometheus_jobs, metric_prefixes)."""

    name = models.SlugField(max_length=50, unique=True, help_text="How the stack file and `discover --source` name it.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.CharField(max_length=500, blank=True, validators=[validate_source_url],
                           help_text="The server's address (Prometheus, MLflow).")
    path = models.CharField(max_length=500, blank=True,
                            help_text="The folder of checkouts to read (requirements), on the worker's machine.")
    credential_env = models.CharField(
        max_length=100, blank=True,
        help_text="An environment variable of the worker holding a bearer token for the server; read at each run, never stored.",
    )
    enabled = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    problems = models.JSONField(default=list, blank=True, editable=False,
                                help_text="What the last run could not read, each with its place.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def location(self) -> str:
        return self.url if self.kind in URL_KINDS else self.path


class DiscoveredToolQuerySet(models.QuerySet):
    def unregistered(self):
        """Tools found in use that the stack does not know, and no lead dismissed."""
        return self.filter(dismissed_at__isnull=True).exclude(tool__stack_entry__isnull=False)


class DiscoveredTool(models.Model):
    """A catalogue tool one source found traces of, with the places it found them."""

    tool = models.ForeignKey("catalog.Tool", on_delete=models.CASCADE, related_name="discoveries")
    source = models.ForeignKey(DiscoverySource, on_delete=models.CASCADE, related_name="discoveries")
    evidence = models.JSONField(default=list, help_text="Where it was found, one place an item.")
    places = models.PositiveIntegerField(default=0, help_text="How many places, beyond those kept as evidence.")
    sites = models.JSONField(default=list, help_text="What the places are in: files, scrape targets, models.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the source says the tool was last used, if it says.")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_reason = models.TextField(blank=True)
    dismissed_sites = models.JSONField(default=list, blank=True,
                                       help_text="Its sites when it was dismissed: one more undoes the dismissal.")

    objects = DiscoveredToolQuerySet.as_manager()

    class Meta:
        ordering = ["tool__name", "source__name"]
        constraints = [models.UniqueConstraint("tool", "source", name="one_discovery_per_tool_and_source")]

    def __str__(self):
        return f"{self.tool} found by {self.source}"

    @property
    def is_dismissed(self) -> bool:
        return self.dismissed_at is not None

    @property
    def evidence_text(self) -> str:
        more = self.places - SHOWN
        return "; ".join(self.evidence[:SHOWN]) + (f"; and {more} more" if more > 0 else "")
