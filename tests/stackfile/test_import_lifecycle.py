"""An import moves an existing entry through its lifecycle by the same rules as its page."""

from apps.catalog.models import Tool
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.stackfile.conftest import LEADS_FILE, STACK_FILE


def test_a_retired_entry_cannot_be_adopted_again_by_a_file(catalog):
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.RETIRED)
    outcome = import_stack(STACK_FILE, commit=True, now=NOW)
    assert outcome.errors == ["line 14: stack[MLflow].status: a retired entry cannot become adopted"]
    assert StackEntry.objects.get().lifecycle == Lifecycle.RETIRED


def test_adopting_an_existing_entry_needs_what_the_gate_needs(catalog):
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.EVALUATING)
    text = STACK_FILE.replace("anticipated: false", "anticipated: true").replace(
        "    evidence: Rolled back the wrong model on 2026-03-02\n", "")
    outcome = import_stack(text, commit=True, now=NOW)
    assert outcome.errors == [
        "line 13: stack[MLflow].status: cannot be adopted: No pain point named today justifies it "
        "(anticipated needs do not count)."
    ]


def test_an_allowed_move_is_applied_with_its_dates(catalog, alice):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.EVALUATING)
    assert import_stack(LEADS_FILE, commit=True, by=alice, now=NOW).applied
    entry.refresh_from_db()
    assert entry.lifecycle == Lifecycle.ADOPTED and entry.adopted_on is not None
    assert import_stack(STACK_FILE.replace("status: adopted", "status: retired"), commit=True, now=NOW).applied
    entry.refresh_from_db()
    assert entry.retired_on is not None
    assert [s.to_lifecycle for s in entry.transitions.all()] == ["adopted", "retired"]


def test_a_new_entry_may_arrive_adopted_before_anyone_assessed_it(catalog):
    outcome = import_stack("version: 1\nstack:\n  - {tool: Weights & Biases, status: adopted}\n", commit=True, now=NOW)
    assert outcome.applied
    assert StackEntry.objects.get().is_unassessed
