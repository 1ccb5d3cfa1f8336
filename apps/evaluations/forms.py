from django import forms

from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Trial, TrialLogEntry
from apps.painpoints.models import PainPoint


class EvaluationForm(forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(Category.objects.all())
    pain_points = forms.ModelMultipleChoiceField(
        PainPoint.objects.filter(status__in=[PainPoint.Status.OPEN, PainPoint.Status.EVALUATING]).order_by("title"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    use_case = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Representative use case",
                               help_text="What each trial implements end to end (not a demo, not the docs).")
    tools = forms.ModelMultipleChoiceField(Tool.objects.all(), widget=forms.SelectMultiple(attrs={"size": 6}),
                                           label="Shortlist", help_text="Two or three tools.")
    start_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="Empty: the trials stay drafts until scheduled.")
    time_box_days = forms.IntegerField(min_value=1, max_value=60, initial=7, label="Time box (days)")
    side_by_side = forms.BooleanField(required=False, label="Side by side", help_text="Run the trials at once rather than one after another.")


class ShortlistForm(forms.Form):
    """The shortlist of a draft evaluation, among the tools of its category."""

    tools = forms.ModelMultipleChoiceField(Tool.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6}),
                                           label="Shortlist", help_text="Two or three tools.")
    start_on = EvaluationForm.base_fields["start_on"]
    time_box_days = EvaluationForm.base_fields["time_box_days"]
    side_by_side = EvaluationForm.base_fields["side_by_side"]

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tools"].queryset = Tool.objects.filter(categories=evaluation.category).order_by("name")


class TrialForm(forms.ModelForm):
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Evidence (a link)")

    class Meta:
        model = Trial
        fields = [
            "owner", "start_on", "time_box_days", "integration_friction", "integration_notes",
            "documentation_quality", "documentation_notes", "operational_overhead", "operational_notes",
            "ran_end_to_end", "evidence_url",
        ]
        widgets = {
            "start_on": forms.DateInput(attrs={"type": "date"}),
            "integration_notes": forms.Textarea(attrs={"rows": 2}),
            "documentation_notes": forms.Textarea(attrs={"rows": 2}),
            "operational_notes": forms.Textarea(attrs={"rows": 2}),
            "ran_end_to_end": forms.NullBooleanSelect(),
        }
        labels = {
            "integration_friction": "Integration (1 painful – 5 smooth)",
            "documentation_quality": "Documentation (1 poor – 5 excellent)",
            "operational_overhead": "Operations (1 heavy – 5 light)",
        }


class LogForm(forms.ModelForm):
    class Meta:
        model = TrialLogEntry
        fields = ["day", "text"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"}), "text": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(forms.ModelForm):
    class Meta:
        model = DecisionRecord
        fields = ["title", "context", "chosen", "outcome", "consequences", "revisit_by", "supersedes"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 3}), "outcome": forms.Textarea(attrs={"rows": 3}),
            "consequences": forms.Textarea(attrs={"rows": 2}), "revisit_by": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen"].queryset = evaluation.trials.select_related("entry__tool")
        self.fields["chosen"].label_from_instance = lambda trial: trial.entry.tool.name
        self.fields["supersedes"].queryset = DecisionRecord.objects.filter(status=DecisionRecord.Status.ACCEPTED)
