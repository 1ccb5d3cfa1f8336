"""Stack files at the edges: accounts whose emails differ only in case, a first import on an
empty database, and text no database column can hold."""

from apps.accounts.models import User
from apps.catalog.models import Category, Tool
from apps.painpoints.models import PainPoint
from apps.stackfile.importer import import_stack
from tests.conftest import NOW


def test_accounts_that_differ_only_in_case(catalog, platform):
    """The admin can make both; the file names each as it is spelled, and a change that would
    make them one is a problem on its line, not a failed apply."""
    upper = User.objects.create(email="Dup@example.com", name="Upper")
    lower = User.objects.create_user("dup@example.com", name="Lower")
    PainPoint.objects.create(title="P", evidence="e", reported_by=lower)
    text = "version: 1\npain_points:\n  - {title: P, evidence: e, reported_by: Dup@example.com}\n"
    preview = import_stack(text, commit=False, now=NOW)
    assert preview.ok and preview.changes["pain_points"].changed_fields() == [("P", ["reported_by: Lower → Upper"])]
    assert import_stack(text, commit=True, now=NOW).applied
    assert PainPoint.objects.get().reported_by == upper

    outcome = import_stack("version: 1\nusers:\n  - {email: Dup@example.com, name: Renamed}\n", commit=True, now=NOW)
    assert outcome.errors == ["line 3: users[Dup@example.com].email: User with this Email already exists."]
    assert User.objects.get(pk=upper.pk).name == "Upper"


def test_previewing_the_first_file_on_an_empty_database_writes_nothing(db):
    text = "version: 1\nstack:\n  - {tool: MLflow, status: proposed}\n"
    outcome = import_stack(text, commit=False, now=NOW)
    assert outcome.ok and outcome.changes["stack"].added == ["MLflow"]
    assert not Category.objects.exists() and not Tool.objects.exists()

    assert not import_stack("version: 1\nteams:\n  - {name: ''}\n", commit=True, now=NOW).applied
    assert not Category.objects.exists()  # a refused first file leaves no catalogue behind

    assert import_stack(text, commit=True, now=NOW).applied
    assert Tool.objects.filter(name="MLflow", stack_entry__isnull=False).exists()
    assert Category.objects.count() == 8


def test_a_nul_character_is_a_problem_with_its_line(catalog):
    text = ('version: 1\nstack:\n  - tool: MLflow\n    probe: {kind: http_json, url: "http://h.example",\n'
            '            params: {count_path: "a\\0b"}}\n')
    outcome = import_stack(text, commit=True, now=NOW)
    assert outcome.errors == ["line 5: the text holds a NUL character (\\0), which no field can store"]
