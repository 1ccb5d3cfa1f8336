"""The stack linter for the command line and CI (`manage.py lint`): lint the stack as it is, or
as it would be once some stack files were applied, and write what it finds as text, JSON,
SARIF 2.1.0 (GitHub code scanning) or JUnit XML.

Applying the files happens in a transaction that is always rolled back: each is checked as
`import_stack --dry-run` checks it, applied on top of the ones before it, and the rules then
run on the result. Each finding points at the line of the file's record it is about (the stack
entry, the pain point, the category); one about something no file mentions points at line 1 of
the last file.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Category
from apps.catalog.seed import load_seed_catalogue
from apps.findings import acceptances
from apps.findings.models import Finding
from apps.findings.rules import RULES, SEVERITIES, lint
from apps.lib import yamlio
from apps.stack.selectors import StackState
from apps.stackfile.importer import import_stack, stored_name
from apps.stackfile.schema import entry_name

FORMATS = ["text", "json", "sarif", "junit"]
INVALID = "stack-file"  # what a problem of a file is reported as, beside the rules
INVALID_HELP = (
    "The stack file must be one import_stack accepts: its schema is in docs/stack-file.md, and "
    "every problem names its line."
)
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
TOOL_URI = "https://github.com/stackledger/stackledger/blob/main/docs/stack-file.md"


@dataclass
class Place:
    file: str
    line: int


@dataclass
class Accepted:
    """The acceptance an item stands under: it is reported apart and fails nothing."""

    until: str  # the day it counts again, as YYYY-MM-DD
    owner: str
    rationale: str
    place: Place | None = None  # the file's accepted_findings record, when a file has it


@dataclass
class Item:
    """A finding as reported: where it is, how severe, what to do. Problems of an invalid file
    are items of the code INVALID."""

    code: str
    severity: str
    message: str
    subject: str = ""
    place: Place | None = None
    related: list[Place] = field(default_factory=list)  # the other records it concerns
    accepted: Accepted | None = None

    @property
    def fix(self) -> str:
        return RULES[self.code].fix if self.code in RULES else "Correct the file and lint it again."

    @property
    def title(self) -> str:
        return RULES[self.code].title if self.code in RULES else "Invalid stack file"


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    invalid: bool = False

    @property
    def counted(self) -> list[Item]:
        """The items no acceptance covers."""
        return [i for i in self.items if i.accepted is None]

    @property
    def accepted(self) -> list[Item]:
        return [i for i in self.items if i.accepted is not None]

    def standing(self, fail_on: str) -> list[Item]:
        """The counted items at or above `fail_on`."""
        return [i for i in self.counted if SEVERITIES.index(i.severity) >= SEVERITIES.index(fail_on)]

    def exit_code(self, fail_on: str) -> int:
        if self.invalid:
            return 2
        return 1 if self.standing(fail_on) else 0


class Lines:
    """Where each record of the files is: the line of the last file that names it."""

    SECTIONS = {"stack": "tool", "pain_points": "title", "categories": "key", "accepted_findings": "rule"}

    def __init__(self):
        self.places = {section: {} for section in self.SECTIONS}
        self.touched = set()  # tool names of the stack entries the files add or change
        self.files = []
        self.last = None

    def add(self, name: str, document, outcome) -> None:
        self.files.append(name)
        self.last = Place(name, 1)
        for section, key in self.SECTIONS.items():
            for item in document.get(section) or []:
                if isinstance(item, yamlio.Record) and isinstance(item.get(key), str):
                    self.places[section][entry_name(section, item)] = Place(name, item.line)
        changes = outcome.changes.get("stack")
        if changes is not None:
            self.touched.update(changes.added + changes.changed)

    def of(self, finding: Finding) -> Place | None:
        if finding.entry is not None:
            place = self.places["stack"].get(finding.entry.tool.name)
        elif finding.pain_point is not None:
            place = self.places["pain_points"].get(finding.pain_point.title)
        else:
            place = self.places["categories"].get(finding.category.key) if finding.category else None
        return place or self.last


def lint_stack(*, now) -> Report:
    """The stack as it is."""
    return _linted(Report(), Lines(), now=now)


def lint_files(files: list[tuple[str, bytes]], *, now) -> Report:
    """The stack as it would be with the files (name, content) applied in order; nothing stays
    written. The first file with a problem ends it: its problems are the report."""
    report = Report(files=[name for name, _ in files])
    lines = Lines()
    with transaction.atomic():
        _seeded()
        for name, text in files:
            outcome = import_stack(text, commit=True, now=now)
            if not outcome.ok:
                report.invalid = True
                report.items = [_problem(name, text) for text in outcome.errors]
                break
            lines.add(name, yamlio.load(text), outcome)
        else:
            _linted(report, lines, now=now)
        transaction.set_rollback(True)
    return report


def _seeded() -> None:
    """The seed catalogue every stack file assumes, on a database that has none (the embedded one)."""
    if not Category.objects.exists():
        load_seed_catalogue()


def _linted(report: Report, lines: Lines, *, now) -> Report:
    with transaction.atomic():
        _seeded()
        findings = lint(StackState.load(now=now))
        acceptances.link(findings)
        report.items = _items(findings, lines, today=timezone.localdate(now))
        transaction.set_rollback(True)
    return report


def _problem(name: str, text: str) -> Item:
    """An import problem, `line N: path: message`, as an item at that line."""
    where, _, message = text.partition(": ")
    line = int(where.removeprefix("line ")) if where.startswith("line ") and where[5:].isdigit() else 1
    return Item(INVALID, "error", message if where.startswith("line ") else text, place=Place(name, line))


def _items(findings: list[Finding], lines: Lines, *, today) -> list[Item]:
    """The findings as items, in rule order; a per-category rule's findings as one item per
    category; each with the acceptance it stands under on `today`, if any."""
    groups: dict = {}
    for finding in findings:
        by_category = RULES[finding.code].per_category and finding.category_id is not None
        groups.setdefault((finding.code, finding.category_id) if by_category else id(finding), []).append(finding)
    items = []
    for group in groups.values():
        first, rule = group[0], RULES[group[0].code]
        if rule.per_category and first.category_id is not None:
            item = _category_item(first, rule, group, lines)
        else:
            item = Item(first.code, rule.severity, first.message, first.subject, lines.of(first))
        acceptance = first.acceptance
        if acceptance is not None and acceptance.holds_on(today):
            item.accepted = Accepted(acceptance.expires_on.isoformat(), acceptance.owner.email, acceptance.rationale,
                                     lines.places["accepted_findings"].get(stored_name(acceptance)))
        items.append(item)
    return items


def _category_item(finding: Finding, rule, group: list[Finding], lines: Lines) -> Item:
    """One item for a category's findings (its message names every tool), at the entry that most
    likely brought it: one the files add or change, the last of those in the files; the other
    entries the files name are its related places."""
    named = [(lines.places["stack"].get(f.entry.tool.name), f.entry.tool.name) for f in group if f.entry]
    named = [(place, name) for place, name in named if place is not None]
    named.sort(key=lambda pair: (pair[1] in lines.touched, lines.files.index(pair[0].file), pair[0].line))
    place = named[-1][0] if named else lines.last
    related = sorted((p for p, _ in named[:-1]), key=lambda p: (lines.files.index(p.file), p.line))
    return Item(finding.code, rule.severity, finding.message, finding.category.name, place, related)


# Formats ------------------------------------------------------------------------------------

def render(report: Report, fmt: str, *, fail_on: str) -> str:
    return {"text": text, "json": as_json, "sarif": sarif, "junit": junit}[fmt](report, fail_on=fail_on)


def text(report: Report, *, fail_on: str) -> str:
    """One finding a line, `file:line: severity: message [code]`, then a count."""
    out = []
    for item in report.counted:
        out.append(f"{_where(item)}: {item.severity}: {item.message} [{item.code}]")
    for item in report.accepted:
        out.append(f"{_where(item)}: accepted until {item.accepted.until} ({item.accepted.owner}): "
                   f"{item.message} [{item.code}]")
    if report.invalid:
        count = len(report.items)
        out.append(f"{count} problem{'s' if count != 1 else ''}: the file is not valid; nothing was linted.")
    else:
        counts = [(s, sum(1 for i in report.counted if i.severity == s)) for s in reversed(SEVERITIES)]
        shown = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts if n)
        standing = len(report.standing(fail_on))
        accepted = f" ({len(report.accepted)} accepted, not counted)" if report.accepted else ""
        out.append(f"{shown or 'No findings'}; {standing} at or above {fail_on}.{accepted}")
    return "\n".join(out)


def _where(item: Item) -> str:
    return f"{item.place.file}:{item.place.line}" if item.place else item.subject


def as_json(report: Report, *, fail_on: str) -> str:
    def place(p: Place | None):
        return {"file": p.file, "line": p.line} if p else None

    def finding(i: Item) -> dict:
        return {"code": i.code, "severity": i.severity, "title": i.title, "message": i.message, "fix": i.fix,
                "subject": i.subject, "location": place(i.place), "related": [place(p) for p in i.related]}

    return json.dumps({
        "valid": not report.invalid,
        "fail_on": fail_on,
        "exit_code": report.exit_code(fail_on),
        "findings": [finding(i) for i in report.counted],
        "accepted": [
            {**finding(i), "accepted": {"until": i.accepted.until, "owner": i.accepted.owner,
                                        "rationale": i.accepted.rationale, "location": place(i.accepted.place)}}
            for i in report.accepted
        ],
    }, indent=2, ensure_ascii=False)


def _uri(name: str) -> str:
    path = Path(name)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def _location(place: Place, **extra) -> dict:
    return {**extra, "physicalLocation": {
        "artifactLocation": {"uri": _uri(place.file)},
        "region": {"startLine": place.line},
    }}


def sarif(report: Report, *, fail_on: str) -> str:
    """A SARIF 2.1.0 log of one run: every rule with its help (the seed's rule it cites), and
    each finding at the line of its record."""
    codes = [*RULES, INVALID]
    rules = []
    for code in codes:
        rule = RULES.get(code)
        title = rule.title if rule else "Invalid stack file"
        help_text = rule.help if rule else INVALID_HELP
        rules.append({
            "id": code,
            "shortDescription": {"text": title},
            "fullDescription": {"text": rule.fix if rule else "Correct the file and lint it again."},
            "help": {"text": help_text, "markdown": "\n\n".join(f"> {part}" for part in help_text.split("\n\n"))},
            "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity if rule else "error"]},
            "properties": {"tags": ["stackledger", *(f"seed-rule-{n}" for n in (rule.cites if rule else ()))]},
        })
    results = []
    for item in report.items:
        result = {
            "ruleId": item.code,
            "ruleIndex": codes.index(item.code),
            "level": SARIF_LEVELS[item.severity],
            "message": {"text": item.message + ("" if report.invalid else f" Fix: {item.fix}")},
        }
        if item.place:
            result["locations"] = [_location(item.place)]
        if item.related:
            result["relatedLocations"] = [
                _location(p, id=n, message={"text": "Another tool of the category."})
                for n, p in enumerate(item.related, start=1)
            ]
        if item.subject:
            result["partialFingerprints"] = {"stackledgerSubject/v1": f"{item.code}:{item.subject}"}
        if item.accepted:
            result["suppressions"] = [_suppression(item.accepted)]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "Stackledger", "informationUri": TOOL_URI, "rules": rules}},
            "invocations": [{"executionSuccessful": not report.invalid,
                             "exitCode": report.exit_code(fail_on)}],
            "artifacts": [{"location": {"uri": _uri(name)}} for name in report.files],
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _suppression(accepted: Accepted) -> dict:
    """An acceptance as SARIF has it: a suppression, accepted, with its justification; in the
    source when the file's accepted_findings has it."""
    suppression = {
        "kind": "inSource" if accepted.place else "external", "status": "accepted",
        "justification": f"{accepted.rationale} (owner {accepted.owner}, until {accepted.until})",
    }
    if accepted.place:
        suppression["location"] = _location(accepted.place)
    return suppression


def junit(report: Report, *, fail_on: str) -> str:
    """JUnit XML: a test case per rule (and one for the file's validity), failed by its findings
    at or above `fail_on`; those below it, and those accepted, are in the case's output."""
    standing = {id(i) for i in report.standing(fail_on)}
    suite = ElementTree.Element("testsuite", name="stackledger lint")
    failures = 0
    for code in [INVALID, *RULES]:
        items = [i for i in report.items if i.code == code]
        if report.invalid and code != INVALID:
            continue
        case = ElementTree.SubElement(suite, "testcase", name=code, classname="stackledger.lint")
        case.set("file", report.files[-1] if report.files else "")
        failing = [i for i in items if id(i) in standing]
        lines = [_line(i) for i in items]
        if failing:
            failures += 1
            failure = ElementTree.SubElement(
                case, "failure", type=failing[0].severity,
                message=f"{len(failing)} finding{'s' if len(failing) != 1 else ''}: {failing[0].title}")
            failure.text = "\n".join(_line(i) for i in failing) + f"\nFix: {failing[0].fix}"
        elif items:
            ElementTree.SubElement(case, "system-out").text = "\n".join(lines)
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suites = ElementTree.Element("testsuites", name="stackledger lint", tests=suite.get("tests"),
                                 failures=str(failures), errors="0")
    suites.append(suite)
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def _line(item: Item) -> str:
    if item.accepted:
        return f"{_where(item)}: accepted until {item.accepted.until}: {item.message}"
    return f"{_where(item)}: {item.severity}: {item.message}"
