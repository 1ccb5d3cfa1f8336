from django import forms

from apps.accounts.models import Team, User


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description"]


class UserForm(forms.ModelForm):
    """A person's profile, without password or role (roles are groups, set apart)."""

    class Meta:
        model = User
        fields = ["email", "name", "team", "is_active"]
