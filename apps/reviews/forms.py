from django import forms

from apps.accounts.models import User
from apps.lib.forms import DateInput
from apps.reviews.models import Decision, Review, ReviewItem


class ReviewForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        User.objects.filter(is_active=True).order_by("email"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="They receive the minutes.",
    )

    class Meta:
        model = Review
        fields = ["year", "held_on", "attendees"]
        widgets = {"held_on": DateInput()}
        error_messages = {"year": {"unique": "There is a review for this year already."}}

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on < self.today:
            raise forms.ValidationError("The date is in the past: schedule the meeting today or later.")
        return held_on


class DecisionForm(forms.ModelForm):
    """The meeting's decision on one tool; the rules it must meet are in item_decide."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    action_owner = forms.ModelChoiceField(User.objects.filter(is_active=True).order_by("email"), required=False)

    class Meta:
        model = ReviewItem
        fields = ["decision", "rationale", "action_owner", "due_on"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput()}
        labels = {"due_on": "Due"}
