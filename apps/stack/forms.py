from django import forms

from apps.stack.models import MLModel, StackEntry


class StackEntryForm(forms.ModelForm):
    class Meta:
        model = StackEntry
        fields = [
            "tool", "lifecycle", "owner", "team", "pain_points",
            "capability", "capability_rationale", "integration", "integration_rationale",
            "operational_cost", "operational_cost_rationale",
            "licence_per_month", "ops_hours_per_month", "notes", "adopted_on", "retired_on",
        ]


class MLModelForm(forms.ModelForm):
    class Meta:
        model = MLModel
        fields = [
            "name", "description", "stage", "team", "owner", "tracker", "registry", "serving",
            "monitoring",
        ]
