"""Form pieces that know no app."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always written as ISO 8601 (yyyy-mm-dd), the only
    form `<input type=date>` accepts, whatever the site's locale formats dates as."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
