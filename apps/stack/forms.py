from django import forms

from apps.accounts.models import User
from apps.lib.forms import DateInput
from apps.painpoints.models import PainPoint
from apps.stack.models import MLModel, OrganisationProfile, StackEntry, Verdict


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


class FilterVerdictForm(forms.Form):
    """One adoption filter's verdict, with the rationale every verdict needs."""

    verdict = forms.ChoiceField(choices=Verdict.choices)
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("verdict") in (Verdict.PASS, Verdict.FAIL) and not data.get("rationale", "").strip():
            self.add_error("rationale", "Write why: every verdict carries a rationale.")
        return data


class EntryDetailsForm(forms.ModelForm):
    """Owner, team, the pain points it answers, and what it costs."""

    class Meta:
        model = StackEntry
        fields = [
            "owner", "team", "pain_points", "licence_per_month", "ops_hours_per_month", "notes",
            "unused_after_days", "snoozed_until",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "pain_points": forms.SelectMultiple(attrs={"size": 6}),
            "snoozed_until": DateInput(),
        }
        labels = {"snoozed_until": "Removal pipeline snoozed until"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        self.fields["pain_points"].queryset = PainPoint.objects.exclude(status=PainPoint.Status.DISMISSED).order_by("title")
        self.fields["pain_points"].help_text = "Anticipated pain points never justify adoption."


class OrganisationProfileForm(forms.ModelForm):
    class Meta:
        model = OrganisationProfile
        fields = ["cloud", "kubernetes_operated", "data_orchestrator", "engineer_hourly_cost"]
