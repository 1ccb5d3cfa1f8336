"""Every date input writes its stored value as yyyy-mm-dd, the only form a browser's date
picker keeps, whatever the site's locale."""

from datetime import date

import pytest
from django import forms

from apps.evaluations import forms as evaluation_forms
from apps.reviews import forms as review_forms
from apps.stack import forms as stack_forms

DAY = date(2026, 11, 18)
DATE_FORMS = [
    (evaluation_forms.TrialForm, "start_on"), (evaluation_forms.LogForm, "day"),
    (evaluation_forms.DecisionForm, "revisit_by"), (evaluation_forms.EvaluationForm, "start_on"),
    (review_forms.ReviewForm, "held_on"), (review_forms.DecisionForm, "due_on"),
    (stack_forms.EntryDetailsForm, "snoozed_until"),
]


@pytest.mark.parametrize("form_class, field", DATE_FORMS, ids=lambda v: getattr(v, "__name__", v))
def test_a_stored_date_is_written_in_iso_form(form_class, field, settings):
    settings.DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]  # a locale that writes days first
    widget = form_class.base_fields[field].widget
    html = widget.render(field, DAY)
    assert 'type="date"' in html
    assert 'value="2026-11-18"' in html, html


def test_every_date_field_of_the_forms_is_a_date_picker():
    for form_class in {form for form, _ in DATE_FORMS}:
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateField):
                assert (form_class, name) in DATE_FORMS, f"{form_class.__name__}.{name} is not checked"


def test_the_trial_page_keeps_the_start_date(lead_client, alice, catalog):
    from apps.catalog.models import Category, Tool
    from apps.evaluations.models import Evaluation, Trial
    from apps.stack.models import StackEntry

    evaluation = Evaluation.objects.create(title="Orchestrator", use_case="retrain",
                                           category=Category.objects.get(key="pipeline-orchestration"))
    trial = Trial.objects.create(evaluation=evaluation, start_on=DAY,
                                 entry=StackEntry.objects.create(tool=Tool.objects.get(name="Prefect")))
    page = lead_client.get(f"/trials/{trial.pk}/").content.decode()
    assert 'name="start_on" value="2026-11-18"' in page
