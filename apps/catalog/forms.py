from django import forms
from packaging.utils import canonicalize_name

from apps.catalog.models import Category, Tool
from apps.lib.forms import NamesField


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["key", "name", "description", "position", "in_minimum_stack", "max_adopted", "trigger"]


class ToolForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")
    packages = NamesField(required=False, help_text=Tool._meta.get_field("packages").help_text)
    prometheus_jobs = NamesField(required=False, help_text=Tool._meta.get_field("prometheus_jobs").help_text)
    metric_prefixes = NamesField(required=False, help_text=Tool._meta.get_field("metric_prefixes").help_text)

    def clean_packages(self):
        """Package names as PyPI compares them: lower case, runs of -_. as one dash."""
        return list(dict.fromkeys(canonicalize_name(name) for name in self.cleaned_data["packages"]))

    class Meta:
        model = Tool
        fields = [
            "name", "slug", "categories", "hosting", "complexity", "complexity_note", "strengths",
            "weaknesses", "best_for", "kubernetes_native", "discontinued", "discontinued_note",
            "website", "packages", "prometheus_jobs", "metric_prefixes",
        ]
