"""What a stack file may contain (docs/stack-file.md), and the checks of a parsed file's shape.

The checks look at the document alone: which sections and fields there are, of which kind,
each entry named once. They touch no database: what a value must be beyond its kind is left
to the forms the importer validates each record with. Each problem is handed to `error`,
with the line it stands on, the path of what is wrong and why.
"""

from collections.abc import Callable, Iterator

from apps.lib.yamlio import Record
from apps.stack.models import FILTERS

Report = Callable[[int, str, str], None]  # error(line, path, message)

VERSION = 1

# Each section's fields: file key -> (form field, kind). Kinds are checked before any form
# sees a value; a form field of None means the importer handles the key itself.
TEXT, BOOL, INT, NUMBER, DATE, NAME, NAMES, MAPPING, CHANNELS = (
    "text", "true or false", "a whole number", "a number", "a date as text ('2026-03-02')",
    "a name, as text", "a list of names", "a mapping",
    "a list of Apprise URLs, each as text or as {url_env: NAME}",
)
SCHEMA = {
    "categories": {
        "key": ("key", TEXT), "name": ("name", TEXT), "description": ("description", TEXT),
        "position": ("position", INT), "in_minimum_stack": ("in_minimum_stack", BOOL),
        "max_adopted": ("max_adopted", INT), "trigger": ("trigger", TEXT),
    },
    "tools": {
        "name": ("name", TEXT), "categories": ("categories", NAMES), "hosting": ("hosting", TEXT),
        "complexity": ("complexity", TEXT), "complexity_note": ("complexity_note", TEXT),
        "strengths": ("strengths", TEXT), "weaknesses": ("weaknesses", TEXT),
        "best_for": ("best_for", TEXT), "kubernetes_native": ("kubernetes_native", BOOL),
        "discontinued": ("discontinued", BOOL), "discontinued_note": ("discontinued_note", TEXT),
        "website": ("website", TEXT), "packages": ("packages", NAMES),
        "prometheus_jobs": ("prometheus_jobs", NAMES), "metric_prefixes": ("metric_prefixes", NAMES),
    },
    "teams": {"name": ("name", TEXT), "description": ("description", TEXT), "notify": (None, CHANNELS)},
    "users": {
        "email": ("email", TEXT), "name": ("name", TEXT), "role": (None, TEXT),
        "team": ("team", NAME), "active": ("is_active", BOOL),
    },
    "pain_points": {
        "title": ("title", TEXT), "description": ("description", TEXT),
        "category": ("category", NAME), "team": ("team", NAME), "evidence": ("evidence", TEXT),
        "severity": ("severity", TEXT), "anticipated": ("anticipated", BOOL),
        "status": ("status", TEXT), "reported_by": ("reported_by", NAME),
    },
    "stack": {
        "tool": ("tool", TEXT), "status": ("lifecycle", TEXT), "owner": ("owner", NAME),
        "team": ("team", NAME), "pain_points": ("pain_points", NAMES), "filters": (None, MAPPING),
        "cost": (None, MAPPING), "notes": ("notes", TEXT), "adopted_on": ("adopted_on", DATE),
        "retired_on": ("retired_on", DATE), "probe": (None, MAPPING),
    },
    "accepted_findings": {
        "rule": ("code", TEXT), "tool": ("entry", NAME), "category": ("category", NAME),
        "pain_point": ("pain_point", NAME), "rationale": ("rationale", TEXT), "owner": ("owner", NAME),
        "expires": ("expires_on", DATE),
    },
    "models": {
        "name": ("name", TEXT), "description": ("description", TEXT), "stage": ("stage", TEXT),
        "team": ("team", NAME), "owner": ("owner", NAME), "tracker": ("tracker", NAME),
        "registry": ("registry", NAME), "serving": ("serving", NAME),
        "monitoring": ("monitoring", NAME),
    },
    "discovery": {
        "name": ("name", TEXT), "kind": ("kind", TEXT), "url": ("url", TEXT), "path": ("path", TEXT),
        "credential_env": ("credential_env", TEXT), "enabled": ("enabled", BOOL),
    },
    # Nested in a stack entry.
    "cost": {"licence_per_month": ("licence_per_month", NUMBER), "ops_hours_per_month": ("ops_hours_per_month", NUMBER)},
    "filter": {"verdict": (None, TEXT), "rationale": (None, TEXT)},
    "probe": {
        "kind": ("kind", TEXT), "url": ("url", TEXT), "credential_env": (None, TEXT),
        "interval_minutes": ("interval_minutes", INT), "unused_after_days": ("unused_after_days", INT),
        "params": ("params", MAPPING), "demo": ("demo", BOOL),
    },
}
# The sections, in the order they are applied (and exported).
SECTIONS = ["categories", "tools", "teams", "users", "pain_points", "stack", "models", "accepted_findings",
            "discovery"]
SECTION_LABELS = {
    "categories": "Categories", "tools": "Tools", "teams": "Teams", "users": "People",
    "pain_points": "Pain points", "stack": "Stack entries", "models": "Models",
    "accepted_findings": "Accepted findings", "discovery": "Discovery sources",
}
NATURAL_KEY = {
    "categories": "key", "tools": "name", "teams": "name", "users": "email",
    "pain_points": "title", "stack": "tool", "models": "name", "accepted_findings": "rule",
    "discovery": "name",
}
# An accepted finding is named by its rule and what it is of: "overlap · experiment-tracking".
ACCEPTANCE_SUBJECT = ["tool", "category", "pain_point"]


def acceptance_name(rule: str, subject: dict) -> str:
    """An accepted finding's name in the file, its problems and its changes."""
    return " · ".join([rule.strip(), *(subject[key].strip() for key in ACCEPTANCE_SUBJECT if subject.get(key))])


def entry_name(section: str, item: Record) -> str:
    """The name an entry goes by: its natural key; an accepted finding's rule and subject."""
    name = item[NATURAL_KEY[section]].strip()
    if section == "accepted_findings":
        return acceptance_name(name, {key: item.get(key) for key in ACCEPTANCE_SUBJECT if isinstance(item.get(key), str)})
    return name


def check_document(document, error: Report) -> bool:
    """Whether the document is a stack file this reader takes: a mapping with `version: 1`.
    Unknown sections are reported; the rest of the file is still read."""
    if not isinstance(document, Record):
        error(1, "file", "a stack file is a mapping that starts with 'version: 1'")
        return False
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        found = "missing" if "version" not in document else repr(version)
        error(document.line_of("version"), "version", f"{found}; this reader takes version {VERSION}")
        return False
    for key in document:
        if key != "version" and key not in SECTIONS:
            error(document.line_of(key), str(key), f"unknown section; expected one of {', '.join(SECTIONS)}")
    return True


def document_sections(document: Record, error: Report) -> Iterator[tuple[str, list]]:
    """(section, entries) of each section the file has, in the order they are applied. A
    section that is not a list is reported and left out."""
    for section in SECTIONS:
        items = document.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            error(document.line_of(section), section, "must be a list of entries, each starting with '- '")
            continue
        yield section, items


def checked_entry(
    section: str, number: int, item, section_line: int, seen: dict, error: Report,
) -> tuple[str, Record] | None:
    """(name, record) of a section's `number`th entry, its fields checked against the schema;
    None (reported) for an entry that is no mapping, has no name or repeats one. `seen` holds
    the section's names so far (lower-cased) and their lines.

    Unknown fields and values of the wrong kind are reported and dropped, so the rest of
    the record is still validated (and reported); the record itself is then not saved.
    """
    key = NATURAL_KEY[section]
    if not isinstance(item, Record):
        error(section_line, f"{section}[#{number}]", f"each entry must be a mapping with a {key}")
        return None
    name = item.get(key)
    if not isinstance(name, str) or not name.strip():
        error(item.line, f"{section}[#{number}].{key}", "required, as text")
        return None
    name = entry_name(section, item)
    if name.lower() in seen:
        error(item.line, f"{section}[{name}]", f"listed twice (first on line {seen[name.lower()]})")
        return None
    seen[name.lower()] = item.line
    return name, checked(item, section, f"{section}[{name}]", error)


def checked(item: Record, schema: str, path: str, error: Report) -> Record:
    """The record without unknown fields and wrongly typed values, each reported."""
    fields = SCHEMA[schema]
    kept = Record(line=item.line, key_lines=item.key_lines)
    for key, value in item.items():
        if key not in fields:
            error(item.line_of(key), f"{path}.{key}", f"unknown field; expected one of {', '.join(fields)}")
        elif value is not None and not is_kind(value, fields[key][1]):
            error(item.line_of(key), f"{path}.{key}", f"must be {fields[key][1]}, not {value!r}")
        else:
            kept[key] = value
    return kept


def is_kind(value, kind: str) -> bool:
    if kind in (TEXT, NAME, DATE):
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9
    if kind == NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 10**9
    if kind == NAMES:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == CHANNELS:
        return isinstance(value, list) and all(isinstance(v, (str, Record)) for v in value)
    return isinstance(value, Record)


def checked_filters(filters: Record, path: str, error: Report) -> dict[str, Record]:
    """A stack entry's `filters: {name: {verdict, rationale}}`, by filter name, each checked;
    unknown filters and verdicts that are no mapping are reported and left out."""
    verdicts = {}
    for name, verdict in filters.items():
        where = f"{path}.filters.{name}"
        if name not in FILTERS:
            error(filters.line_of(name), where, f"unknown filter; expected one of {', '.join(FILTERS)}")
        elif not isinstance(verdict, Record):
            error(filters.line_of(name), where, "must be a mapping of verdict and rationale")
        else:
            verdicts[name] = checked(verdict, "filter", where, error)
    return verdicts
