"""Import a stack file: parse it strictly, validate every record with the forms the UI uses,
and apply it in one transaction only when nothing is wrong.

Records are matched by their natural keys (category key, tool name, team name, email, pain
point title, the stack entry's tool, model name). A field the file leaves out keeps its
value; nothing the file does not mention is deleted. Validation runs the whole import inside
a transaction that is rolled back, so every problem is found, each with its line, before
anything is written; a preview is the same run, always rolled back.
"""

import json
import os
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.forms import TeamForm, UserForm
from apps.accounts.models import Team, User
from apps.accounts.roles import GROUP_NAMES
from apps.catalog.forms import CategoryForm, ToolForm
from apps.catalog.models import Category, Tool
from apps.catalog.seed import load_seed_catalogue
from apps.lib import crypto, yamlio
from apps.lib.yamlio import Record, YamlError
from apps.painpoints.forms import PainPointForm
from apps.painpoints.models import PainPoint
from apps.probes.forms import ProbeForm
from apps.probes.models import Probe
from apps.stack.forms import MLModelForm, StackEntryForm
from apps.stack.models import FILTERS, IN_USE, Lifecycle, MLModel, StackEntry

VERSION = 1
SECTIONS = ["categories", "tools", "teams", "users", "pain_points", "stack", "models"]
SECTION_LABELS = {
    "categories": "Categories", "tools": "Tools", "teams": "Teams", "users": "People",
    "pain_points": "Pain points", "stack": "Stack entries", "models": "Models",
}
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
IMPORT_NOTE = "Imported from a stack file."

# Each section's fields as the file names them, and, where it differs, the form's name.
FIELDS = {
    "categories": {
        "key": "key", "name": "name", "description": "description", "position": "position",
        "in_minimum_stack": "in_minimum_stack", "max_adopted": "max_adopted", "trigger": "trigger",
    },
    "tools": {
        "name": "name", "categories": "categories", "hosting": "hosting",
        "complexity": "complexity", "complexity_note": "complexity_note",
        "strengths": "strengths", "weaknesses": "weaknesses", "best_for": "best_for",
        "kubernetes_native": "kubernetes_native", "discontinued": "discontinued",
        "discontinued_note": "discontinued_note", "website": "website",
    },
    "teams": {"name": "name", "description": "description"},
    "users": {"email": "email", "name": "name", "team": "team", "active": "is_active", "role": None},
    "pain_points": {
        "title": "title", "description": "description", "category": "category",
        "team": "team", "evidence": "evidence", "severity": "severity",
        "anticipated": "anticipated", "status": "status", "reported_by": "reported_by",
    },
    "stack": {
        "tool": "tool", "status": "lifecycle", "owner": "owner", "team": "team",
        "pain_points": "pain_points", "filters": None, "cost": None, "notes": "notes",
        "adopted_on": "adopted_on", "retired_on": "retired_on", "probe": None,
    },
    "models": {
        "name": "name", "description": "description", "stage": "stage", "team": "team",
        "owner": "owner", "tracker": "tracker", "registry": "registry", "serving": "serving",
        "monitoring": "monitoring",
    },
}
NATURAL_KEY = {
    "categories": "key", "tools": "name", "teams": "name", "users": "email",
    "pain_points": "title", "stack": "tool", "models": "name",
}
COST_FIELDS = ["licence_per_month", "ops_hours_per_month"]
# Stack entry form fields that the file nests under cost and filters.
NESTED_PATHS = {
    **{name: f"cost.{name}" for name in COST_FIELDS},
    **{name: f"filters.{name}.verdict" for name in FILTERS},
    **{f"{name}_rationale": f"filters.{name}.rationale" for name in FILTERS},
}
PROBE_FIELDS = ["kind", "url", "credential_env", "interval_minutes", "unused_after_days", "params"]
BOOLEAN_FIELDS = {"in_minimum_stack", "kubernetes_native", "discontinued", "active", "anticipated"}

# What a reference names: the section it points into, how to find the row, what to call it.
REFERENCES = {
    "categories": (Category.objects.all, "key", "category"),
    "teams": (Team.objects.all, "name", "team"),
    "users": (User.objects.all, "email__iexact", "user"),
    "pain_points": (PainPoint.objects.all, "title", "pain point"),
    "stack": (StackEntry.objects.all, "tool__name", "stack entry for the tool"),
}

MISSING = object()  # a reference to something that exists neither in the file nor the database


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What an import found and did (or, for a preview, would do)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: dict[str, Changes] = field(default_factory=dict)
    not_in_file: dict[str, list[str]] = field(default_factory=dict)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def sections(self) -> list[tuple[str, Changes]]:
        """(label, changes) of each section the file has, in the file's order of sections."""
        return [(SECTION_LABELS[section], changes) for section, changes in self.changes.items()]

    def left_alone(self) -> list[tuple[str, list[str]]]:
        return [(SECTION_LABELS[section], names) for section, names in self.not_in_file.items()]

    def summary_lines(self) -> list[str]:
        lines = [
            f"{label}: {len(c.added)} added, {len(c.changed)} changed, {len(c.unchanged)} unchanged"
            for label, c in self.sections()
        ]
        lines += [f"{label} not in the file, left as they are: {', '.join(names)}" for label, names in self.left_alone()]
        return lines


def import_stack(text: str | bytes, *, commit: bool) -> Outcome:
    """Validate a stack file and, when `commit` and there is no error, apply it."""
    try:
        document = yamlio.load(text)
    except YamlError as error:
        return Outcome(errors=[str(error)])
    importer = _Importer()
    with transaction.atomic():
        importer.run(document)
        importer.outcome.errors.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
        applied = commit and not importer.outcome.errors
        if not applied:
            transaction.set_rollback(True)
    importer.outcome.applied = applied
    return importer.outcome


class _Importer:
    def __init__(self):
        self.outcome = Outcome()
        self.now = timezone.now()
        # Records of the file that were refused: what names them is not reported again.
        self.refused = {section: set() for section in SECTIONS}

    # Problems -------------------------------------------------------------------------

    def error(self, line: int, path: str, message: str) -> None:
        self.outcome.errors.append(f"line {line}: {path}: {message}")

    def warn(self, line: int, path: str, message: str) -> None:
        self.outcome.warnings.append(f"line {line}: {path}: {message}")

    # The document -----------------------------------------------------------------------

    def run(self, document) -> None:
        if not isinstance(document, Record):
            self.error(1, "file", "a stack file is a mapping that starts with 'version: 1'")
            return
        version = document.get("version")
        if version != VERSION:
            found = "missing" if "version" not in document else repr(version)
            self.error(document.line_of("version"), "version", f"{found}; this reader takes version {VERSION}")
            return
        for key in document:
            if key != "version" and key not in SECTIONS:
                self.error(document.line_of(key), str(key), f"unknown section; expected one of {', '.join(SECTIONS)}")
        if not Category.objects.exists():
            load_seed_catalogue()
        for section in SECTIONS:
            items = document.get(section)
            if items is None:
                continue
            if not isinstance(items, list):
                self.error(document.line_of(section), section, "must be a list of entries, each starting with '- '")
                continue
            self.outcome.changes[section] = Changes()
            handler = getattr(self, f"import_{section}")
            names = []
            for name, item in self.records(section, items, document.line_of(section)):
                errors = len(self.outcome.errors)
                handler(name, item, f"{section}[{name}]")
                if len(self.outcome.errors) > errors:
                    self.refused[section].add(name.lower())
                names.append(name)
            self.note_not_in_file(section, names)

    def records(self, section: str, items: list, section_line: int):
        """(name, record) of each well-formed entry of a section; report the others."""
        key = NATURAL_KEY[section]
        seen = {}
        for number, item in enumerate(items, start=1):
            if not isinstance(item, Record):
                self.error(section_line, f"{section}[#{number}]", f"each entry must be a mapping with a {key}")
                continue
            name = item.get(key)
            if not isinstance(name, str) or not name.strip():
                self.error(item.line, f"{section}[#{number}].{key}", "required, as text")
                continue
            name = name.strip()
            if name.lower() in seen:
                self.error(item.line, f"{section}[{name}]", f"listed twice (first on line {seen[name.lower()]})")
                continue
            seen[name.lower()] = item.line
            unknown = [k for k in item if k not in FIELDS[section]]
            for k in unknown:
                self.error(item.line_of(k), f"{section}[{name}].{k}",
                           f"unknown field; expected one of {', '.join(FIELDS[section])}")
            wrong_type = [k for k in item if k in BOOLEAN_FIELDS and not isinstance(item[k], bool)]
            for k in wrong_type:
                self.error(item.line_of(k), f"{section}[{name}].{k}", f"must be true or false, not {item[k]!r}")
            if unknown or wrong_type:
                continue
            yield name, item

    def note_not_in_file(self, section: str, names: list[str]) -> None:
        existing = {
            "teams": Team.objects.values_list("name", flat=True),
            "users": User.objects.values_list("email", flat=True),
            "pain_points": PainPoint.objects.values_list("title", flat=True),
            "stack": StackEntry.objects.values_list("tool__name", flat=True),
            "models": MLModel.objects.values_list("name", flat=True),
        }.get(section)
        if existing is None:
            return
        named = {name.lower() for name in names}
        left = sorted(name for name in existing if name.lower() not in named)
        if left:
            self.outcome.not_in_file[section] = left

    # Shared machinery -------------------------------------------------------------------

    def reference(self, item: Record, key: str, path: str, target: str):
        """The pk of what `item[key]` names, None when empty, MISSING (reported) when unknown."""
        value = item.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.error(item.line_of(key), f"{path}.{key}", "must be a name, as text")
            return MISSING
        return self.find(value, item.line_of(key), f"{path}.{key}", target)

    def references(self, item: Record, key: str, path: str, target: str):
        """A list of pks for `item[key]`, a list of names; MISSING when any is unknown."""
        values = item.get(key)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.error(item.line_of(key), f"{path}.{key}", "must be a list of names")
            return MISSING
        pks = [self.find(value, item.line_of(key), f"{path}.{key}", target) for value in values]
        return MISSING if MISSING in pks else pks

    def find(self, name: str, line: int, path: str, target: str):
        """The pk of the `target` section's record called `name`, or MISSING."""
        queryset, lookup, what = REFERENCES[target]
        found = queryset().filter(**{lookup: name.strip()}).values_list("pk", flat=True).first()
        if found is not None:
            return found
        if name.strip().lower() not in self.refused[target]:  # else its own errors say why
            self.error(line, path, f"no {what} {name!r} in the file or the database")
        return MISSING

    def form_data(self, instance, section: str, item: Record, resolved: dict) -> dict:
        """The instance's current values, overlaid with the file's and the resolved references.

        A reference that failed (already reported) becomes empty, so the form still reports
        every other problem of the record; the caller then saves nothing.
        """
        data = {}
        for name, value in model_to_dict(instance).items():
            if isinstance(value, list):  # many-to-many: model instances to pks
                value = [getattr(v, "pk", v) for v in value]
            data[name] = value
        for file_key, form_key in FIELDS[section].items():
            if form_key and file_key in item and file_key not in resolved:
                value = item[file_key]
                data[form_key] = "" if value is None else value
        for form_key, value in resolved.items():
            data[form_key] = None if value is MISSING else value
        return data

    def validate(self, form, item: Record, path: str, section: str, resolved=None) -> bool:
        """Report the form's errors against the file's field names and lines (except for
        references that failed: those are reported already)."""
        if form.is_valid():
            return True
        to_file = {form_key: file_key for file_key, form_key in FIELDS.get(section, {}).items() if form_key}
        to_file.update(NESTED_PATHS if section == "stack" else {})
        for form_key, errors in form.errors.as_data().items():
            if (resolved or {}).get(form_key) is MISSING:
                continue
            file_key = to_file.get(form_key, form_key)
            for error in errors:
                message = self.message(form, form_key, error)
                if form_key == "__all__":
                    self.error(item.line, path, message)
                else:
                    self.error(self.line_of_path(item, file_key), f"{path}.{file_key}", message)
        return False

    @staticmethod
    def message(form, form_key: str, error) -> str:
        text = " ".join(error.messages)
        field_ = form.fields.get(form_key)
        if error.code == "invalid_choice" and getattr(field_, "choices", None) and not hasattr(field_, "queryset"):
            value = (error.params or {}).get("value")
            allowed = ", ".join(str(choice) for choice, _ in field_.choices if choice != "")
            return f"{value!r} is not one of {allowed}"
        return text

    @staticmethod
    def broken(resolved: dict) -> bool:
        return any(value is MISSING for value in resolved.values())

    def record(self, section: str, name: str, *, added: bool, changed: bool) -> None:
        changes = self.outcome.changes[section]
        (changes.added if added else changes.changed if changed else changes.unchanged).append(name)

    def save(self, form, section: str, name: str) -> object:
        added = form.instance.pk is None
        changed = form.has_changed()
        instance = form.save() if added or changed else form.instance
        self.record(section, name, added=added, changed=changed)
        return instance

    # Sections ---------------------------------------------------------------------------

    def import_categories(self, name, item, path):
        instance = Category.objects.filter(key=name).first() or Category()
        data = self.form_data(instance, "categories", item, {})
        form = CategoryForm(data, instance=instance)
        if self.validate(form, item, path, "categories"):
            self.save(form, "categories", name)

    def import_tools(self, name, item, path):
        instance = Tool.objects.filter(name=name).first() or Tool(slug=self.free_slug(name))
        resolved = {}
        if "categories" in item:
            resolved["categories"] = self.references(item, "categories", path, "categories")
        form = ToolForm(self.form_data(instance, "tools", item, resolved), instance=instance)
        if self.validate(form, item, path, "tools", resolved) and not self.broken(resolved):
            self.save(form, "tools", name)

    @staticmethod
    def free_slug(name: str) -> str:
        base = slugify(name) or "tool"
        slug, n = base, 2
        while Tool.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def import_teams(self, name, item, path):
        instance = Team.objects.filter(name=name).first() or Team()
        form = TeamForm(self.form_data(instance, "teams", item, {}), instance=instance)
        if self.validate(form, item, path, "teams"):
            self.save(form, "teams", name)

    def import_users(self, name, item, path):
        instance = User.objects.filter(email__iexact=name).first() or User()
        resolved = {}
        if "team" in item:
            resolved["team"] = self.reference(item, "team", path, "teams")
        role = item.get("role")
        if role is not None and role not in GROUP_NAMES:
            self.error(item.line_of("role"), f"{path}.role", f"{role!r} is not one of {', '.join(GROUP_NAMES)}")
            resolved["role"] = MISSING
        data = self.form_data(instance, "users", item, resolved)
        data["email"] = data["email"].strip().lower()
        form = UserForm(data, instance=instance)
        if not self.validate(form, item, path, "users", resolved) or self.broken(resolved):
            return
        added = instance.pk is None
        changed = form.has_changed() or (role is not None and not added and role != instance.role)
        if added or changed:
            user = form.save(commit=False)
            if added:
                user.set_unusable_password()
            user.save()
            if role is not None:
                user.set_role(role)
        self.record("users", name, added=added, changed=changed)

    def import_pain_points(self, name, item, path):
        instance = PainPoint.objects.filter(title=name).first() or PainPoint()
        resolved = {}
        for key, target in [("category", "categories"), ("team", "teams"), ("reported_by", "users")]:
            if key in item:
                resolved[key] = self.reference(item, key, path, target)
        before = instance.status if instance.pk else ""  # the form changes the instance
        form = PainPointForm(self.form_data(instance, "pain_points", item, resolved), instance=instance)
        if self.validate(form, item, path, "pain_points", resolved) and not self.broken(resolved):
            pain = self.save(form, "pain_points", name)
            if pain.status != before:
                pain.status_changes.create(from_status=before, to_status=pain.status, at=self.now, note=IMPORT_NOTE)

    def import_stack(self, name, item, path):
        tool = Tool.objects.filter(name=name).values_list("pk", flat=True).first()
        if tool is None:
            self.error(item.line_of("tool"), f"{path}.tool", f"no tool {name!r} in the catalogue or the file's tools")
            tool = MISSING
        instance = StackEntry.objects.filter(tool_id=tool).first() if tool is not MISSING else None
        instance = instance or StackEntry()
        resolved = {"tool": tool}
        if "owner" in item:
            resolved["owner"] = self.reference(item, "owner", path, "users")
        if "team" in item:
            resolved["team"] = self.reference(item, "team", path, "teams")
        if "pain_points" in item:
            resolved["pain_points"] = self.references(item, "pain_points", path, "pain_points")
        resolved.update(self.nested(item, path, "filters", self.filter_values))
        resolved.update(self.nested(item, path, "cost", self.cost_values))
        data = self.form_data(instance, "stack", item, resolved)
        if instance.pk is None and not data.get("adopted_on") and data.get("lifecycle") in IN_USE:
            data["adopted_on"] = self.now.date()
        before = instance.lifecycle if instance.pk else ""  # the form changes the instance
        form = StackEntryForm(data, instance=instance)
        valid = self.validate(form, item, path, "stack", resolved)
        if "probe" in item:
            probe_form = self.probe_form(instance, item, path)
        if not valid or self.broken(resolved) or ("probe" in item and probe_form is None):
            return
        added = instance.pk is None
        changed = form.has_changed()
        entry = form.save() if added or changed else instance
        if entry.lifecycle != before:
            entry.transitions.create(
                from_lifecycle=before, to_lifecycle=entry.lifecycle, at=self.now, note=IMPORT_NOTE
            )
        if "probe" in item:
            changed = self.save_probe(entry, probe_form, item["probe"], f"{path}.probe") or changed
        self.record("stack", name, added=added, changed=changed)

    def nested(self, item: Record, path: str, key: str, reader) -> dict:
        value = item.get(key)
        if value is None:
            return {}
        if not isinstance(value, Record):
            self.error(item.line_of(key), f"{path}.{key}", "must be a mapping")
            return {"__invalid__": MISSING}
        return reader(value, f"{path}.{key}")

    def filter_values(self, filters: Record, path: str) -> dict:
        values = {}
        for name, verdict in filters.items():
            if name not in FILTERS:
                self.error(filters.line_of(name), f"{path}.{name}", f"unknown filter; expected one of {', '.join(FILTERS)}")
                values["__invalid__"] = MISSING
            elif not isinstance(verdict, Record) or set(verdict) - {"verdict", "rationale"}:
                self.error(filters.line_of(name), f"{path}.{name}", "must be a mapping of verdict and rationale")
                values["__invalid__"] = MISSING
            else:
                if "verdict" in verdict:
                    values[name] = verdict["verdict"]
                if "rationale" in verdict:
                    values[f"{name}_rationale"] = verdict["rationale"] or ""
        return values

    def cost_values(self, cost: Record, path: str) -> dict:
        values = {}
        for name, amount in cost.items():
            if name not in COST_FIELDS:
                self.error(cost.line_of(name), f"{path}.{name}", f"unknown field; expected one of {', '.join(COST_FIELDS)}")
                values["__invalid__"] = MISSING
            elif isinstance(amount, bool) or not isinstance(amount, (int, float)):
                self.error(cost.line_of(name), f"{path}.{name}", f"must be a number, not {amount!r}")
                values["__invalid__"] = MISSING
            else:
                values[name] = amount
        return values

    @staticmethod
    def line_of_path(item: Record, path: str) -> int:
        """The line of a dotted field path such as cost.licence_per_month, as deep as it goes."""
        line = item.line
        for key in path.split("."):
            if not isinstance(item, Record) or key not in item:
                break
            line, item = item.line_of(key), item[key]
        return line

    def probe_form(self, entry: StackEntry, item: Record, path: str) -> ProbeForm | None:
        """The entry's probe bound to the file's values, or None (reported) when invalid."""
        spec, path = item["probe"], f"{path}.probe"
        if not isinstance(spec, Record):
            self.error(item.line_of("probe"), path, "must be a mapping with a kind")
            return None
        unknown = [key for key in spec if key not in PROBE_FIELDS]
        for key in unknown:
            self.error(spec.line_of(key), f"{path}.{key}", f"unknown field; expected one of {', '.join(PROBE_FIELDS)}")
        probe = (entry.pk and Probe.objects.filter(entry=entry).first()) or Probe(entry=entry)
        data = model_to_dict(probe, fields=ProbeForm.Meta.fields)
        for key in ProbeForm.Meta.fields:
            if key in spec:
                data[key] = "" if spec[key] is None else spec[key]
        data["params"] = json.dumps(data.get("params") or {})
        form = ProbeForm(data, instance=probe)
        if not self.validate(form, spec, path, "probe") or unknown:
            return None
        return form

    def save_probe(self, entry: StackEntry, form: ProbeForm, spec: Record, path: str) -> bool:
        added, changed = form.instance.pk is None, form.has_changed()
        probe = form.save(commit=False)
        probe.entry = entry
        changed = self.probe_credential(probe, spec, path) or changed
        if added or changed:
            probe.save()
        return added or changed

    def probe_credential(self, probe: Probe, spec: Record, path: str) -> bool:
        """Read the credential from the environment variable the file names; never the file."""
        if "credential_env" not in spec:
            return False
        name = spec["credential_env"] or ""
        line = spec.line_of("credential_env")
        if name and (not isinstance(name, str) or not ENV_NAME.match(name)):
            self.error(line, f"{path}.credential_env", f"{name!r} is not an environment variable name (A-Z, 0-9, _)")
            return False
        secret = os.environ.get(name, "") if name else ""
        if name and not secret:
            if probe.has_credential and probe.credential_env == name:
                return False  # keep the credential stored by an earlier import
            self.warn(line, f"{path}.credential_env",
                      f"{name} is not set here, so the probe has no credential until it is imported where it is")
        try:
            same = probe.credential_env == name and probe.credential() == secret
        except crypto.WrongKey as wrong:
            self.error(line, f"{path}.credential_env", str(wrong))
            return False
        if same:
            return False
        probe.credential_env = name
        probe.set_credential(secret)
        return True

    def import_models(self, name, item, path):
        instance = MLModel.objects.filter(name=name).first() or MLModel()
        resolved = {}
        for key, target in [
            ("team", "teams"), ("owner", "users"),
            ("tracker", "stack"), ("registry", "stack"), ("serving", "stack"), ("monitoring", "stack"),
        ]:
            if key in item:
                resolved[key] = self.reference(item, key, path, target)
        form = MLModelForm(self.form_data(instance, "models", item, resolved), instance=instance)
        if self.validate(form, item, path, "models", resolved) and not self.broken(resolved):
            self.save(form, "models", name)
