"""Hostile stack files against a stack that is already there: each is refused with its line,
and the database is exactly as it was."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.stackfile.conftest import STACK_FILE, snapshot

BOMB = "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
HOSTILE = [
    ("alias bomb", BOMB, "line 2: anchors (&a) are not allowed"),
    ("python object tag", STACK_FILE.replace("  - name: Platform", "  - name: !!python/object/apply:os.system [id]"),
     "line 3: tags such as tag:yaml.org,2002:python/object/apply:os.system are not allowed"),
    ("python name tag", STACK_FILE + "x: !!python/name:os.system\n", "line 29: tags such as"),
    ("10 MiB", STACK_FILE + "# " + "x" * (10 * 1024 * 1024) + "\n", "line 1: the file is 10.0 MiB; the limit is 1 MiB"),
    ("duplicate keys", STACK_FILE.replace("    status: adopted\n", "    status: adopted\n    status: retired\n"),
     "line 15: duplicate key 'status' (first on line 14)"),
    ("NO as a boolean", STACK_FILE.replace("anticipated: false", "anticipated: NO"), "line 11: NO is read as a boolean"),
    ("012 as a number", STACK_FILE.replace("ops_hours_per_month: 4", "ops_hours_per_month: 012"), "line 22: 012 has a leading zero"),
    ("deep nesting", STACK_FILE + "x: " + "[" * 500 + "]" * 500 + "\n", "nested more than"),
    ("not UTF-8", None, "not UTF-8"),
]


@pytest.fixture
def existing(catalog, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    assert import_stack(STACK_FILE, commit=True, now=NOW).applied
    return snapshot()


@pytest.mark.parametrize("text, expected", [c[1:] for c in HOSTILE if c[1] is not None],
                         ids=[c[0] for c in HOSTILE if c[1] is not None])
def test_a_hostile_file_is_refused_with_its_line_and_nothing_changes(existing, text, expected):
    outcome = import_stack(text, commit=True, now=NOW)
    assert not outcome.applied
    assert any(expected in error for error in outcome.errors), outcome.errors
    assert snapshot() == existing


@pytest.mark.parametrize("name, content", [
    ("bomb.yaml", BOMB.encode()),
    ("huge.yaml", b"version: 1\n# " + b"x" * (10 * 1024 * 1024)),
    ("latin1.yaml", "version: 1\nteams:\n  - name: Équipe\n".encode("latin-1")),
])
def test_a_hostile_upload_is_refused_on_the_import_page(lead_client, existing, name, content):
    response = lead_client.post("/stack/import/", {"file": SimpleUploadedFile(name, content), "action": "apply"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "message-error" in page or "field-error" in page or "line " in page
    assert "The stack file is applied" not in page
    assert snapshot() == existing
