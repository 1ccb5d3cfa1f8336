from django import forms

from apps.catalog.models import Category, Tool


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["key", "name", "description", "position", "in_minimum_stack", "max_adopted", "trigger"]


class ToolForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Tool
        fields = [
            "name", "slug", "categories", "hosting", "complexity", "complexity_note", "strengths",
            "weaknesses", "best_for", "kubernetes_native", "discontinued", "discontinued_note",
            "website",
        ]
