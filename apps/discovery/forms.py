from django import forms

from apps.accounts.models import User
from apps.discovery.models import CREDENTIAL_PREFIX, URL_KINDS, DiscoverySource, Kind
from apps.discovery.services import check_path
from apps.lib.env import VARIABLE_NAME, own_variables


class DiscoverySourceForm(forms.ModelForm):
    """A discovery source, from the sources page, the admin and the stack file alike."""

    class Meta:
        model = DiscoverySource
        fields = ["name", "kind", "url", "path", "credential_env", "enabled"]

    def clean_credential_env(self):
        name = self.cleaned_data["credential_env"].strip()
        if name and not VARIABLE_NAME.match(name):
            raise forms.ValidationError(f"{name!r} is not an environment variable name (A-Z, 0-9 and _, at most 100)")
        if name in own_variables():
            raise forms.ValidationError(f"{name} is one of Stackledger's own settings, not a source's credential")
        if name and not name.startswith(CREDENTIAL_PREFIX):
            raise forms.ValidationError(f"a source's credential is a variable named {CREDENTIAL_PREFIX}…, "
                                        f"such as {CREDENTIAL_PREFIX}{name}")
        return name

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in URL_KINDS:
            if not data.get("url") and "url" not in self.errors:
                self.add_error("url", f"A {Kind(kind).label.split(':')[0]} source reads a server: give its URL.")
            data["path"] = ""
        elif kind == Kind.REQUIREMENTS:
            try:
                check_path(data.get("path", ""))
            except forms.ValidationError as refused:
                self.add_error("path", refused)
            data["url"], data["credential_env"] = "", ""
        return data


class RegisterForm(forms.Form):
    """How a found tool goes on the stack; services.register checks the choice."""

    lifecycle = forms.ChoiceField(
        label="Register as", initial="adopted", widget=forms.RadioSelect,
        choices=[("adopted", "Adopted: in use already, an owner answers for it"), ("proposed", "Proposed: to be evaluated")],
    )
    owner = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("email"), required=False,
                                   help_text="Who answers for it. Needed for an adopted tool.")
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Kept with its first lifecycle step, after the evidence.")


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Why it is no tool of the stack: a test server, a vendored copy, ... "
                                       "It stays dismissed until the source finds it somewhere new.")
