from django import forms

from apps.accounts.models import User
from apps.findings import acceptances
from apps.findings.acceptances import problems
from apps.findings.models import Acceptance

SUBJECT = ["code", "entry", "category", "pain_point"]


class AcceptanceRecordForm(forms.ModelForm):
    """An acceptance with what it is of: the stack file's `accepted_findings:` and the admin.
    `today` is the day its expiry is checked against; `expired_ok` lets it be past (a file)."""

    today = None
    expired_ok = False
    owner_kept = False  # the stored owner, kept: it may have left since (a file says so)

    class Meta:
        model = Acceptance
        fields = [*SUBJECT, "rationale", "owner", "expires_on"]

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or self.today

    def clean(self):
        data = super().clean()
        values = {name: data[name] if name in data else self._stored(name)
                  for name in [*SUBJECT, "rationale", "owner", "expires_on"]}
        found = problems(**values, today=self.today, expired_ok=self.expired_ok, owner_kept=self.owner_kept)
        subject = {name: values[name] for name in SUBJECT}
        saved = all(getattr(value, "pk", 0) is not None for value in subject.values())  # not one a file adds
        other = acceptances.stored_for(**subject) if saved and not found else None
        if other is not None and other.pk != self.instance.pk:
            found["code"] = f"{other.code} for {other.subject} is accepted already (until {other.expires_on}): change that one"
        for name, message in found.items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, message)
        return data

    def _stored(self, name: str):
        """The instance's value of a field this form does not show (None when unset)."""
        model_field = Acceptance._meta.get_field(name)
        if model_field.is_relation and getattr(self.instance, model_field.attname) is None:
            return None
        return getattr(self.instance, name)


class AcceptanceForm(AcceptanceRecordForm):
    """Accepting a finding on the findings page: what it is of comes from the finding."""

    class Meta:
        model = Acceptance
        fields = ["rationale", "owner", "expires_on"]
        widgets = {
            "rationale": forms.Textarea(attrs={"rows": 3}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"expires_on": "Accepted until"}
        help_texts = {"expires_on": "The finding counts again on this day; at most a year ahead."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("name", "email")
