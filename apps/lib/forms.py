"""Form pieces that know no app."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always written as ISO 8601 (yyyy-mm-dd), the only
    form `<input type=date>` accepts, whatever the site's locale formats dates as."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NamesField(forms.CharField):
    """A list of names, typed one a line or separated by commas; a list is taken as it is."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            values = [str(v) for v in value]
        else:
            values = str(value or "").replace(",", "\n").splitlines()
        names = []
        for name in (v.strip() for v in values):
            if name and name not in names:
                names.append(name)
        return names

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        for name in value:
            if len(name) > 100:
                raise forms.ValidationError(f"{name[:20]}…: a name has at most 100 characters", code="too_long")

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)
