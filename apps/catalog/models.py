import re

from django.db import models
from django.db.models.functions import Lower


class CategoryManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Category(models.Model):
    """One of the MLOps capabilities a stack is made of: experiment tracking, serving, ...

    The minimum viable stack (seed rule 3) is five categories with one tool each; the others
    are justified only by their trigger (rule 4).
    """

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    in_minimum_stack = models.BooleanField(
        default=False, help_text="Part of the minimum viable stack for the first 5-10 models."
    )
    max_adopted = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How many adopted tools the category allows before it counts as overlap. "
        "Empty: no limit.",
    )
    trigger = models.TextField(
        blank=True,
        help_text="The pain point that justifies a category beyond the minimum stack.",
    )
    unused_after_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days without activity before its tools count as unused."
    )

    objects = CategoryManager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.key,)

    def is_crowded(self, in_use: int) -> bool:
        """Whether `in_use` tools in use overlap here: more than the category allows (rule 3)."""
        return self.max_adopted is not None and in_use > self.max_adopted


class ToolManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Tool(models.Model):
    """A product in the catalogue, with what the seed says of it."""

    class Hosting(models.TextChoices):
        SELF_HOSTED = "self-hosted", "Open source, self-hosted"
        SAAS = "saas", "SaaS"
        CLOUD_MANAGED = "cloud-managed", "Cloud-managed"
        LIBRARY = "library", "Library or plain code"

    class Complexity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    categories = models.ManyToManyField(Category, related_name="tools")
    hosting = models.CharField(max_length=20, choices=Hosting.choices)
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    complexity_note = models.CharField(max_length=200, blank=True)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    best_for = models.TextField(blank=True)
    kubernetes_native = models.BooleanField(
        default=False, help_text="Assumes a Kubernetes cluster the team already operates."
    )
    discontinued = models.BooleanField(default=False)
    discontinued_note = models.TextField(blank=True)
    website = models.URLField(blank=True)
    # Signatures: how discovery recognises the tool where it leaves traces (apps.discovery).
    packages = models.JSONField(
        default=list, blank=True, help_text="Python packages of its SDK or client, as PyPI names them."
    )
    prometheus_jobs = models.JSONField(
        default=list, blank=True, help_text="Prometheus job names its exporters are usually scraped as."
    )
    metric_prefixes = models.JSONField(
        default=list, blank=True, help_text="Prefixes of the metric names it exports, such as nv_inference_."
    )

    objects = ToolManager()

    class Meta:
        ordering = [Lower("name")]
        indexes = [models.Index(Lower("name"), name="tool_name_sorted")]  # the catalogue's and the stack's order

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    @property
    def complexity_detail(self) -> str:
        """The complexity note without the level it repeats; empty when it says nothing more."""
        level = re.escape(self.get_complexity_display())
        rest = re.sub(rf"^\s*{level}\b|\b{level}\s*$", "", self.complexity_note, flags=re.IGNORECASE).strip(" ;:,.—–-")
        if rest.startswith("(") and rest.endswith(")"):
            rest = rest[1:-1].strip()
        return rest
