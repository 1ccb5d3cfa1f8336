import json

from django import forms

from apps.probes.models import Probe


class ParamsField(forms.JSONField):
    """A probe's parameters: a mapping, where empty means {} (not "changed" from {})."""

    def has_changed(self, initial, data):
        def normal(value):
            return json.dumps(value or {}, sort_keys=True)

        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return True
        return normal(initial) != normal(data)

    def clean(self, value):
        return super().clean(value) or {}


class ProbeForm(forms.ModelForm):
    params = ParamsField(required=False)

    class Meta:
        model = Probe
        fields = ["kind", "url", "params", "interval_minutes", "unused_after_days"]
