from django import forms
from django.db.models import F, Q

from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Trial, TrialLogEntry
from apps.evaluations.services import ENDED, may_revive
from apps.lib.forms import DateInput
from apps.painpoints.models import PainPoint
from apps.stack.models import IN_USE, Lifecycle


class ShortlistWidget(forms.CheckboxSelectMultiple):
    """Checkboxes; a tool whose entry is in one of the `locked` lifecycles is shown but
    cannot be ticked."""

    locked = ()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if getattr(getattr(value, "instance", None), "entry_lifecycle", None) in self.locked:
            option["attrs"]["disabled"] = True
        return option


class ShortlistField(forms.ModelMultipleChoiceField):
    """Two or three candidates among the tools of one category that the stack does not run yet,
    as checkboxes with a search box above them. A rejected or retired tool is marked; only
    someone who may propose it again (a lead) can tick it."""

    widget = ShortlistWidget(attrs={"class": "choices", "data-searchable": ""})

    def __init__(self, **kwargs):
        super().__init__(Tool.objects.none(), label="Shortlist", help_text="Two or three tools.", **kwargs)
        self.revives = False

    def limit_to(self, category: Category | None, *, user=None) -> None:
        self.queryset = candidates(category)
        self.revives = may_revive(user)
        self.widget.locked = () if self.revives else ENDED
        if category is None:
            self.help_text = "Choose a category first."
        elif not self.queryset.exists():
            self.help_text = (f"Every {category.name.lower()} tool in the catalogue is in use or none is listed: "
                              "add the candidates to the catalogue first.")

    def label_from_instance(self, tool):
        lifecycle = getattr(tool, "entry_lifecycle", None)
        if lifecycle not in ENDED:
            return tool.name
        state = Lifecycle(lifecycle).label.lower()
        if self.revives:
            return f"{tool.name} ({state}: shortlisting proposes it again)"
        return f"{tool.name} ({state}: only a platform lead shortlists it again)"


def candidates(category: Category | None):
    """The tools an evaluation of `category` may shortlist: the category's, not in use, each
    with its entry's lifecycle (None without an entry)."""
    if category is None:
        return Tool.objects.none()
    return (Tool.objects.filter(categories=category).exclude(stack_entry__lifecycle__in=IN_USE)
            .annotate(entry_lifecycle=F("stack_entry__lifecycle")).order_by("name"))


class EvaluationForm(forms.Form):
    """A new evaluation. Its category decides which pain points and tools it offers: choosing
    one fetches the form again (htmx); without JavaScript the choices follow on submit."""

    title = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(Category.objects.all())
    pain_points = forms.ModelMultipleChoiceField(
        PainPoint.objects.none(), widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        help_text="Open pain points of the category (or of none) that the team can name today.",
    )
    use_case = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Representative use case",
                               help_text="What each trial implements end to end (not a demo, not the docs).")
    tools = ShortlistField()
    start_on = forms.DateField(required=False, widget=DateInput(),
                               help_text="Empty: the trials stay drafts until scheduled.")
    time_box_days = forms.IntegerField(min_value=1, max_value=60, initial=7, label="Time box (days)")
    side_by_side = forms.BooleanField(required=False, label="Side by side", help_text="Run the trials at once rather than one after another.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.attrs.update({
            "hx-get": "", "hx-target": "#evaluation-form", "hx-select": "#evaluation-form",
            "hx-swap": "outerHTML", "hx-include": "closest form", "hx-params": "not csrfmiddlewaretoken",
        })
        category = self._category()
        self.fields["tools"].limit_to(category, user=user)
        pains = PainPoint.objects.filter(
            status__in=[PainPoint.Status.OPEN, PainPoint.Status.EVALUATING], anticipated=False,
        ).order_by("title")
        mine = Q(category=category) | Q(category__isnull=True)  # of this category, or of none yet
        self.fields["pain_points"].queryset = pains.filter(mine) if category else pains.none()
        if category is None:
            self.fields["pain_points"].help_text = "Choose a category first."

    def _category(self) -> Category | None:
        key = self.data.get("category") if self.is_bound else self.initial.get("category")
        try:
            return Category.objects.filter(pk=int(key)).first() if key else None
        except (TypeError, ValueError):
            return None


class ShortlistForm(forms.Form):
    """The shortlist of a draft evaluation, among the tools of its category."""

    tools = ShortlistField()
    start_on = EvaluationForm.base_fields["start_on"]
    time_box_days = EvaluationForm.base_fields["time_box_days"]
    side_by_side = EvaluationForm.base_fields["side_by_side"]

    def __init__(self, *args, evaluation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tools"].limit_to(evaluation.category, user=user)


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
            "start_on": DateInput(),
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
        widgets = {"day": DateInput(), "text": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(forms.ModelForm):
    class Meta:
        model = DecisionRecord
        fields = ["title", "context", "chosen", "outcome", "consequences", "revisit_by", "supersedes"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 3}), "outcome": forms.Textarea(attrs={"rows": 3}),
            "consequences": forms.Textarea(attrs={"rows": 2}), "revisit_by": DateInput(),
        }

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        # A candidate a failed filter rejected during its trial cannot be chosen.
        self.fields["chosen"].queryset = evaluation.trials.select_related("entry__tool").exclude(
            entry__lifecycle__in=[Lifecycle.REJECTED, Lifecycle.RETIRED])
        self.fields["chosen"].label_from_instance = lambda trial: trial.entry.tool.name
        self.fields["supersedes"].queryset = DecisionRecord.objects.filter(status=DecisionRecord.Status.ACCEPTED)


class CancelForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Kept in the evaluation's history and on each candidate's timeline.")
