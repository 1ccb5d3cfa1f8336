from django import forms

from apps.accounts.models import Team
from apps.catalog.models import Category
from apps.painpoints.models import PainPoint


class PainPointForm(forms.ModelForm):
    """Every field of a pain point: the stack file imports through it."""

    class Meta:
        model = PainPoint
        fields = [
            "title", "description", "category", "evidence", "severity", "anticipated", "team",
            "status", "reported_by",
        ]


class PainPointLogForm(forms.ModelForm):
    """What a lead or evaluator fills in to log what hurts today."""

    class Meta:
        model = PainPoint
        fields = ["title", "description", "category", "evidence", "severity", "anticipated", "team"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(
                attrs={"rows": 2, "placeholder": "An incident, a frequency, who is hurt"}
            ),
        }
        labels = {"anticipated": "Anticipated: not felt today (it cannot justify a tool)"}

    def clean(self):
        data = super().clean()
        if not data.get("anticipated") and not (data.get("evidence") or "").strip():
            self.add_error(
                "evidence",
                "A pain felt today needs evidence: an incident, a frequency or who is hurt. "
                "Tick anticipated if it is not felt yet.",
            )
        return data


class PainPointFilterForm(forms.Form):
    """The filters of the pain point list; every value lives in the URL."""

    category = forms.ModelChoiceField(
        Category.objects.all(), to_field_name="key", required=False, empty_label="Any category"
    )
    team = forms.ModelChoiceField(Team.objects.all(), required=False, empty_label="Any team")
    status = forms.ChoiceField(choices=[("", "Any status"), *PainPoint.Status.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *PainPoint.Severity.choices], required=False)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        for name, value in self.cleaned_data.items():
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PainPoint.Status.choices)
    note = forms.CharField(required=False, max_length=500)
