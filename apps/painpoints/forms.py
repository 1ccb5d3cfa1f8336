from django import forms

from apps.painpoints.models import PainPoint


class PainPointForm(forms.ModelForm):
    class Meta:
        model = PainPoint
        fields = [
            "title", "description", "category", "evidence", "severity", "anticipated", "team",
            "status", "reported_by",
        ]
