import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from apps.lib import crypto
from apps.lib.netguard import RefusedTarget, check_url
from apps.probes.drivers import github_actions, wandb
from apps.stack.models import StackEntry


class Kind(models.TextChoices):
    MLFLOW = "mlflow", "MLflow tracking server"
    PREFECT = "prefect", "Prefect server"
    AIRFLOW = "airflow", "Airflow"
    PROMETHEUS = "prometheus", "Prometheus query"
    HTTP_JSON = "http_json", "HTTP JSON endpoint"
    GITHUB_ACTIONS = "github_actions", "GitHub Actions workflow runs"
    WANDB = "wandb", "Weights & Biases runs"
    HEARTBEAT = "heartbeat", "Heartbeat URL the tool calls"
    MANUAL = "manual", "Owner attests it is in use"


# Kinds that read an API at a URL the team gives; the SaaS ones default to the public API.
URL_REQUIRED = {Kind.MLFLOW, Kind.PREFECT, Kind.AIRFLOW, Kind.PROMETHEUS, Kind.HTTP_JSON}
URL_OPTIONAL = {Kind.GITHUB_ACTIONS, Kind.WANDB}
# Where the kinds with an optional URL send their requests without one.
DEFAULT_API = {Kind.GITHUB_ACTIONS: github_actions.API, Kind.WANDB: wandb.API}


def server_of(kind: str, url: str) -> tuple[str, str] | None:
    """The server (scheme, host and port) a probe of `kind` at `url` sends its credential to;
    None for the kinds that ask no server (heartbeat, manual)."""
    if kind not in URL_REQUIRED | URL_OPTIONAL:
        return None
    parts = urlsplit(url or DEFAULT_API.get(kind, ""))
    return parts.scheme.lower(), parts.netloc.lower()


def credential_stays(*, kind_before: str, url_before: str, kind: str, url: str) -> bool:
    """Whether a stored credential may stay with a probe that moves from (kind_before,
    url_before) to (kind, url): only when it is sent to the same server. The probe page, the
    admin and the stack-file import all ask this; a credential for another server is entered
    again, never carried over."""
    return server_of(kind_before, url_before) == server_of(kind, url)


def validate_probe_url(url: str) -> None:
    try:
        check_url(url)
    except RefusedTarget as refused:
        raise ValidationError(str(refused)) from None


class Probe(models.Model):
    """How to read recent usage of one stack entry from the tool's own API.

    The credential is stored encrypted and never shown again; `credential_env` remembers the
    environment variable a stack file took it from, so an export can name it.
    """

    entry = models.OneToOneField(StackEntry, on_delete=models.CASCADE, related_name="probe")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.CharField(max_length=500, blank=True, validators=[validate_probe_url])
    params = models.JSONField(default=dict, blank=True, help_text="Settings of this kind of probe.")
    credential_env = models.CharField(
        max_length=100, blank=True, help_text="The environment variable the credential came from."
    )
    credential_token = models.TextField(blank=True, editable=False)
    interval_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    unused_after_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="No activity for this long makes the tool unused (and is how long an attestation holds).",
    )
    failures_before_unknown = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Failed runs in a row after which the tool's use is unknown.",
    )
    demo = models.BooleanField(
        default=False,
        help_text="Demo data: its history was written with the demo and no server answers it, so the sweep "
                  "leaves it alone. Pointing it at a real server makes it a real probe.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Scheduling: a sweep claims a due probe by moving next_run_at with a conditional UPDATE.
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    heartbeat_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # The latest run, denormalised for the pages and the usage state.
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # Kinds that are told rather than asked: the heartbeat URL was called; the owner attested.
    last_ping_at = models.DateTimeField(null=True, blank=True, editable=False)
    attested_at = models.DateTimeField(null=True, blank=True, editable=False)
    attested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    def __str__(self):
        return f"{self.get_kind_display()} probe of {self.entry}"

    def save(self, *args, **kwargs):
        if self.kind == Kind.HEARTBEAT and not self.heartbeat_token:
            self.heartbeat_token = secrets.token_urlsafe(24)
        elif self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            # Once set, the token changes only by `rotate_heartbeat`: a copy of the probe loaded
            # before a rotation, saved afterwards, must not bring the old URL back.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "heartbeat_token"
            ]
        super().save(*args, **kwargs)

    def rotate_heartbeat(self) -> str:
        """Give the probe a new heartbeat token: the old URL answers 404 from now on. Returns
        the new token."""
        self.heartbeat_token = secrets.token_urlsafe(24)
        Probe.objects.filter(pk=self.pk).update(heartbeat_token=self.heartbeat_token)
        return self.heartbeat_token

    @classmethod
    def hand_over(cls, entry_ids) -> None:
        """The entries changed hands: their heartbeat URLs stop working, each probe gets a new
        one (the previous owner may have copied the old)."""
        for probe in cls.objects.filter(entry_id__in=list(entry_ids), heartbeat_token__isnull=False):
            probe.rotate_heartbeat()

    @property
    def is_failing(self) -> bool:
        return self.consecutive_failures > 0

    def clean(self):
        if self.kind in URL_REQUIRED and not self.url:
            raise ValidationError({"url": f"A {self.kind} probe needs the URL of the server."})
        if self.kind not in URL_REQUIRED | URL_OPTIONAL and self.url:
            raise ValidationError({"url": f"A {self.kind} probe takes no URL."})
        if not isinstance(self.params, dict):
            raise ValidationError({"params": "Parameters must be a mapping of names to values."})

    @property
    def has_credential(self) -> bool:
        return bool(self.credential_token)

    def set_credential(self, secret: str) -> None:
        self.credential_token = crypto.encrypt(secret) if secret else ""

    def credential(self) -> str:
        """The secret in clear, for the driver only; raises crypto.WrongKey on a wrong key."""
        return crypto.decrypt(self.credential_token) if self.credential_token else ""


class ProbeResult(models.Model):
    """One run of a probe: what it read, or why it could not.

    `run_key` names the scheduled run, unique per probe, so a redelivered task adds no second
    result. Raw results are kept for 30 days, then rolled up into ProbeDay rows.
    """

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="results")
    run_key = models.CharField(max_length=40)
    at = models.DateTimeField()
    ok = models.BooleanField()
    last_activity_at = models.DateTimeField(null=True, blank=True)
    activity_count = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["probe", "run_key"], name="one_result_per_run")]
        indexes = [models.Index(fields=["probe", "-at"]), models.Index(fields=["at"])]

    def __str__(self):
        return f"{self.probe} at {self.at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'error'}"


class ProbeDay(models.Model):
    """A day of a probe's results, rolled up once the raw results are 30 days old."""

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    activity_count = models.PositiveIntegerField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["probe", "day"], name="one_rollup_per_day")]

    def __str__(self):
        return f"{self.probe} on {self.day}"


class SweepRun(models.Model):
    """The last sweep of due probes, in one row: when it started, how long it took, how many
    probes it ran. Stackledger's own metrics read it."""

    started_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0)
    probes = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Sweep of {self.started_at:%Y-%m-%d %H:%M}" if self.started_at else "No sweep yet"

    @classmethod
    def record(cls, *, started_at, seconds: float, probes: int) -> None:
        cls.objects.update_or_create(pk=1, defaults={"started_at": started_at, "seconds": seconds, "probes": probes})
