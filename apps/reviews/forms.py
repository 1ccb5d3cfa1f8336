from django import forms

from apps.accounts.models import Team, User
from apps.accounts.roles import GROUP_NAMES, LEAD
from apps.lib.forms import DateInput
from apps.reviews.models import Decision, Review, ReviewItem


class ReviewForm(forms.ModelForm):
    """A review of the whole organisation, chaired by whoever schedules it, or of one team,
    chaired by one of the team's leads."""

    team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, empty_label="The whole organisation",
                                  help_text="A team's review walks its stack entries, chaired by its lead; the "
                                            "organisation's takes the decisions of the year's team reviews.")
    attendees = forms.ModelMultipleChoiceField(
        User.objects.filter(is_active=True).order_by("email"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="They receive the minutes.",
    )

    class Meta:
        model = Review
        fields = ["year", "team", "held_on", "attendees"]
        widgets = {"held_on": DateInput()}
        error_messages = {"year": {"unique": "There is a review for this year already."}}

    def __init__(self, *args, today, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.by = today, by

    def clean_team(self):
        """A team's review is chaired by a lead of that team: the one scheduling it, else the first."""
        team = self.cleaned_data["team"]
        leads = User.objects.filter(is_active=True, groups__name=GROUP_NAMES[LEAD])
        if team is None:
            self.instance.chair = self.by
        elif self.by is not None and self.by.team_id == team.pk:
            self.instance.chair = self.by
        else:
            self.instance.chair = leads.filter(team=team).order_by("email").first()
            if self.instance.chair is None:
                raise forms.ValidationError(f"{team} has no active lead to chair its review: give the team a lead first.")
        return team

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
