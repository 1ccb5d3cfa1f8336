"""The admin's pages open for staff: every list, and the add and change form of each model."""

from django.contrib import admin
from django.urls import reverse

from tests.conftest import NOW


def test_every_admin_page_of_the_demo_opens(admin_client, demo):
    from apps.findings.services import refresh

    refresh(now=NOW)
    opened = 0
    for model in admin.site._registry:
        meta = model._meta
        assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200, meta
        first = model.objects.order_by("pk").first()
        if first is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert admin_client.get(url).status_code == 200, url
            opened += 1
        add = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert add.status_code in (200, 403), meta  # 403 where only the app makes them
    assert opened >= 5


def change_in_admin(admin_client, obj, **changes):
    """Post the object's admin form as it stands, with `changes`: what a staff member saves."""
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for name in ("_save",):
        data[name] = "Save"
    for prefix in ("transitions", "trials"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    obj.refresh_from_db()
    return obj


def test_the_admin_cannot_move_a_tool_or_pass_its_filters(admin_client, catalog):
    from apps.catalog.models import Tool
    from apps.stack.models import StackEntry

    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), capability="fail", capability_rationale="no")
    change_in_admin(admin_client, entry, lifecycle="adopted", capability="pass", capability_rationale="fine",
                    notes="Runs beside Postgres")
    assert (entry.lifecycle, entry.capability, entry.capability_rationale) == ("proposed", "fail", "no")
    assert entry.notes == "Runs beside Postgres"  # the rest stays editable


def test_the_admin_cannot_accept_a_decision_around_the_gate(admin_client, catalog):
    from apps.catalog.models import Category, Tool
    from apps.evaluations.models import DecisionRecord, Evaluation, Trial
    from apps.stack.models import StackEntry

    evaluation = Evaluation.objects.create(title="Orchestrator", category=Category.objects.get(key="pipeline-orchestration"),
                                           use_case="retrain")
    trial = Trial.objects.create(evaluation=evaluation, entry=StackEntry.objects.create(tool=Tool.objects.get(name="Prefect")))
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Choose", context="c", outcome="o", chosen=trial)
    change_in_admin(admin_client, record, status="accepted", outcome="Prefect")
    assert record.status == "proposed" and record.outcome == "Prefect"
    assert StackEntry.objects.get().lifecycle == "proposed"


def test_the_admin_cannot_change_a_pain_point_status_without_its_history(admin_client, db):
    from apps.painpoints.models import PainPoint

    pain = PainPoint.objects.create(title="Slow retraining", evidence="weekly")
    change_in_admin(admin_client, pain, status="dismissed", evidence="every week")
    assert (pain.status, pain.evidence) == ("open", "every week")


def test_an_entry_added_in_the_admin_arrives_as_the_pages_record_it(admin_client, admin_user, catalog):
    from apps.catalog.models import Tool
    from apps.stack.models import StackEntry

    tool = Tool.objects.get(name="Grafana")
    response = admin_client.post(reverse("admin:stack_stackentry_add"), {
        "tool": tool.pk, "licence_per_month": "0", "ops_hours_per_month": "0", "_save": "Save",
        "transitions-TOTAL_FORMS": "0", "transitions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    entry = StackEntry.objects.get(tool=tool)
    step = entry.transitions.get()
    assert (entry.lifecycle, step.from_lifecycle, step.to_lifecycle, step.by) == ("proposed", "", "proposed", admin_user)
