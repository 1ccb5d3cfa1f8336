"""Import a stack file: parse it strictly, validate every record with the forms the UI uses,
and apply it in one transaction only when nothing is wrong.

Records are matched by their natural keys (category key, tool name, team name, email, pain
point title, the stack entry's tool, model name). A field the file leaves out keeps its
value; nothing the file does not mention is deleted. The whole import runs inside a
transaction that is rolled back on any problem (and always, for a preview), so every problem
is found, each with its line, before anything is kept. What a file may contain, and the
checks of its shape, are in schema.py.
"""

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
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
from apps.probes.forms import ProbeForm, same_server
from apps.probes.models import Probe
from apps.stack.forms import MLModelForm, StackEntryForm
from apps.stack.models import FILTERS, TRANSITIONS, Lifecycle, MLModel, StackEntry
from apps.stackfile.schema import (
    SCHEMA,
    SECTION_LABELS,
    SECTIONS,
    check_document,
    checked,
    checked_entry,
    checked_filters,
    document_sections,
)

IMPORT_NOTE = "Imported from a stack file."
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")

# What a reference names: the section it points into, how to find the row, what to call it.
REFERENCES = {
    "categories": (Category.objects.all, "key", "category"),
    "teams": (Team.objects.all, "name", "team"),
    "users": (User.objects.all, "email__iexact", "user"),
    "pain_points": (PainPoint.objects.all, "title", "pain point"),
    "stack": (StackEntry.objects.all, "tool__name", "stack entry for the tool"),
}
# Stack entry form fields that the file nests under cost and filters, for error paths.
NESTED_PATHS = {
    **{name: f"cost.{name}" for name in SCHEMA["cost"]},
    **{name: f"filters.{name}.verdict" for name in FILTERS},
    **{f"{name}_rationale": f"filters.{name}.rationale" for name in FILTERS},
}

MISSING = object()  # a reference to something that exists neither in the file nor the database
SHORT = 40  # a changed value longer than this is named, not shown


def reserved_variables() -> set[str]:
    """Stackledger's own settings: a stack file may never read them as probe credentials."""
    names = set(getattr(settings, "ENVIRONMENT_VARIABLES", ()))
    return names | {f"{name}_FILE" for name in names}


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)  # what changes in each changed record

    def changed_fields(self) -> list[tuple[str, list[str]]]:
        """(name, what changes) of each changed record."""
        return [(name, self.fields.get(name, [])) for name in self.changed]


def shown(form_field, value) -> str:
    """A value as the stack file writes it, references by name."""
    if isinstance(form_field, forms.ModelChoiceField):
        values = value if isinstance(value, (list, tuple, QuerySet)) else [value]
        pks = [getattr(v, "pk", v) for v in values if v not in (None, "")]
        names = sorted(str(o) for o in form_field.queryset.model._default_manager.filter(pk__in=pks)) if pks else []
        return ", ".join(names) or "none"
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else "none"
    return str(value)


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
        """(label, changes) of each section the file has, in the order they are applied."""
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


def import_stack(text: str | bytes, *, commit: bool, now, by=None, read_credentials: bool = False) -> Outcome:
    """Validate a stack file and, when `commit` and there is no error, apply it.

    `by` is recorded as the author of lifecycle and status changes. Probe credentials are
    read from the environment variables the file names only with `read_credentials`: the
    command line, run by an operator, does; a web upload does not.
    """
    try:
        document = yamlio.load(text)
    except YamlError as error:
        return Outcome(errors=[str(error)])
    importer = _Importer(by=by, read_credentials=read_credentials, now=now)
    with transaction.atomic():
        importer.run(document)
        importer.outcome.errors.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
        applied = commit and not importer.outcome.errors
        if not applied:
            transaction.set_rollback(True)
    importer.outcome.applied = applied
    return importer.outcome


class _Importer:
    def __init__(self, *, by, read_credentials, now):
        self.outcome = Outcome()
        self.now = now
        self.by = by
        self.read_credentials = read_credentials
        self.mark = 0  # errors before the record being imported
        # Records of the file that were refused: what names them is not reported again.
        self.refused = {section: set() for section in SECTIONS}

    # Problems ---------------------------------------------------------------------------

    def error(self, line: int, path: str, message: str) -> None:
        self.outcome.errors.append(f"line {line}: {path}: {message}")

    def warn(self, line: int, path: str, message: str) -> None:
        self.outcome.warnings.append(f"line {line}: {path}: {message}")

    def record_is_clean(self) -> bool:
        """True while the record being imported has caused no error."""
        return len(self.outcome.errors) == self.mark

    # The document -----------------------------------------------------------------------

    def run(self, document) -> None:
        if not check_document(document, self.error):
            return
        if not Category.objects.exists():
            load_seed_catalogue()
        for section, items in document_sections(document, self.error):
            self.outcome.changes[section] = Changes()
            handler = getattr(self, f"import_{section}")
            names = []
            for name, item in self.records(section, items, document.line_of(section)):
                handler(name, item, f"{section}[{name}]")
                if not self.record_is_clean():
                    self.refused[section].add(name.lower())
                names.append(name)
            self.note_not_in_file(section, names)

    def records(self, section: str, items: list, section_line: int):
        """(name, record) of each well-formed entry of a section (checked_entry); the errors
        of each entry, of its shape and of its import, are counted from self.mark."""
        seen = {}
        for number, item in enumerate(items, start=1):
            self.mark = len(self.outcome.errors)
            found = checked_entry(section, number, item, section_line, seen, self.error)
            if found is not None:
                yield found

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

    def references(self, item: Record, path: str, targets: dict[str, str]) -> dict:
        """The pks of what the item's reference fields name (file key -> target section).

        A list of names gives a list of pks; an unknown name is reported and gives MISSING.
        """
        resolved = {}
        for key, target in targets.items():
            if key not in item:
                continue
            value = item[key]
            line, where = item.line_of(key), f"{path}.{key}"
            if isinstance(value, list):
                pks = [self.find(name, line, where, target) for name in value]
                resolved[key] = MISSING if MISSING in pks else pks
            else:
                resolved[key] = self.find(value, line, where, target) if value else None
        return resolved

    def find(self, name: str, line: int, path: str, target: str):
        """The pk of the `target` section's record called `name`, or MISSING."""
        queryset, lookup, what = REFERENCES[target]
        found = queryset().filter(**{lookup: name.strip()}).values_list("pk", flat=True).first()
        if found is not None:
            return found
        if name.strip().lower() not in self.refused[target]:  # else its own errors say why
            self.error(line, path, f"no {what} {name!r} in the file or the database")
        return MISSING

    def form_data(self, instance, schema: str, item: Record, resolved: dict) -> dict:
        """The instance's current values, overlaid with the file's and the resolved references.

        A reference that failed (already reported) becomes empty, so the form still reports
        every other problem of the record.
        """
        data = {}
        for name, value in model_to_dict(instance).items():
            if isinstance(value, list):  # many-to-many: model instances to pks
                value = [getattr(v, "pk", v) for v in value]
            data[name] = value
        for file_key, (form_key, _) in SCHEMA[schema].items():
            if form_key and file_key in item:
                value = resolved[file_key] if file_key in resolved else item[file_key]
                data[form_key] = "" if value is None or value is MISSING else value
        return data

    def validate(self, form, item: Record, path: str, schema: str, resolved=None) -> bool:
        """Report the form's errors against the file's field names and lines (except for
        references that failed: those are reported already)."""
        if form.is_valid():
            return True
        to_file = {form_key: file_key for file_key, (form_key, _) in SCHEMA[schema].items() if form_key}
        to_file.update(NESTED_PATHS if schema == "stack" else {})
        for form_key, errors in form.errors.as_data().items():
            file_key = to_file.get(form_key, form_key)
            if (resolved or {}).get(file_key) is MISSING:
                continue
            for error in errors:
                message = self.message(form, form_key, error)
                if form_key == "__all__":
                    self.error(item.line, path, message)
                else:
                    self.error(self.line_of_path(item, file_key), f"{path}.{file_key}", message)
        return False

    @staticmethod
    def message(form, form_key: str, error) -> str:
        field_ = form.fields.get(form_key)
        if error.code == "invalid_choice" and getattr(field_, "choices", None) and not hasattr(field_, "queryset"):
            value = (error.params or {}).get("value")
            allowed = ", ".join(str(choice) for choice, _ in field_.choices if choice != "")
            return f"{value!r} is not one of {allowed}"
        return " ".join(error.messages)

    @staticmethod
    def line_of_path(item: Record, path: str) -> int:
        """The line of a dotted field path such as cost.licence_per_month, as deep as it goes."""
        line = item.line
        for key in path.split("."):
            if not isinstance(item, Record) or key not in item:
                break
            line, item = item.line_of(key), item[key]
        return line

    def record(self, section: str, name: str, *, added: bool, changed: bool, fields=()) -> None:
        changes = self.outcome.changes[section]
        (changes.added if added else changes.changed if changed else changes.unchanged).append(name)
        if changed and not added:
            changes.fields[name] = list(fields)

    @staticmethod
    def changed_fields(form, schema: str, prefix: str = "") -> list[str]:
        """What the form changes, by the file's field names: "field: old → new" where both
        values are short, else the field alone. No form carries a credential."""
        to_file = {form_key: file_key for file_key, (form_key, _) in SCHEMA[schema].items() if form_key}
        to_file.update(NESTED_PATHS if schema == "stack" else {})
        described = []
        for name in form.changed_data:
            form_field = form.fields[name]
            old = shown(form_field, form.get_initial_for_field(form_field, name))
            new = shown(form_field, form.cleaned_data.get(name))
            where = prefix + to_file.get(name, name)
            short = len(old) <= SHORT and len(new) <= SHORT and "\n" not in old + new
            described.append(f"{where}: {old} → {new}" if short else where)
        return described

    def save(self, form, section: str, name: str):
        added = form.instance.pk is None
        changed = form.has_changed()
        fields = self.changed_fields(form, section) if changed and not added else []
        instance = form.save() if added or changed else form.instance
        self.record(section, name, added=added, changed=changed, fields=fields)
        return instance

    def import_simple(self, section, name, item, path, *, instance, form_class, references=None):
        """Validate one record with its form and save it when the record is clean."""
        resolved = self.references(item, path, references or {})
        form = form_class(self.form_data(instance, section, item, resolved), instance=instance)
        if self.validate(form, item, path, section, resolved) and self.record_is_clean():
            return self.save(form, section, name)
        return None

    # Sections ---------------------------------------------------------------------------

    def import_categories(self, name, item, path):
        instance = Category.objects.filter(key=name).first() or Category()
        self.import_simple("categories", name, item, path, instance=instance, form_class=CategoryForm)

    def import_tools(self, name, item, path):
        instance = Tool.objects.filter(name=name).first() or Tool(slug=self.free_slug(name))
        self.import_simple(
            "tools", name, item, path, instance=instance, form_class=ToolForm,
            references={"categories": "categories"},
        )

    @staticmethod
    def free_slug(name: str) -> str:
        base = slugify(name) or "tool"
        slug, n = base, 2
        while Tool.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def import_teams(self, name, item, path):
        instance = Team.objects.filter(name=name).first() or Team()
        self.import_simple("teams", name, item, path, instance=instance, form_class=TeamForm)

    def import_users(self, name, item, path):
        instance = User.objects.filter(email__iexact=name).first() or User()
        role = item.get("role")
        if role is not None and role not in GROUP_NAMES:
            self.error(item.line_of("role"), f"{path}.role", f"{role!r} is not one of {', '.join(GROUP_NAMES)}")
        resolved = self.references(item, path, {"team": "teams"})
        data = self.form_data(instance, "users", item, resolved)
        data["email"] = str(data["email"]).strip().lower()
        form = UserForm(data, instance=instance)
        if not self.validate(form, item, path, "users", resolved) or not self.record_is_clean():
            return
        added = instance.pk is None
        fields = [] if added else self.changed_fields(form, "users")
        if role is not None and not added and role != instance.role:
            fields.append(f"role: {instance.role or 'none'} → {role}")
        changed = bool(fields)
        if added or changed:
            user = form.save(commit=False)
            if added:
                user.set_unusable_password()
            user.save()
            if role is not None:
                user.set_role(role)
        self.record("users", name, added=added, changed=changed, fields=fields)

    def import_pain_points(self, name, item, path):
        instance = PainPoint.objects.filter(title=name).first() or PainPoint()
        before = instance.status if instance.pk else ""  # the form changes the instance
        pain = self.import_simple(
            "pain_points", name, item, path, instance=instance, form_class=PainPointForm,
            references={"category": "categories", "team": "teams", "reported_by": "users"},
        )
        if pain is None or pain.status == before:
            return
        if not before:  # a new pain point starts its history, as one logged on its page does
            pain.status_changes.create(to_status=pain.status, by=self.by, at=self.now, note=IMPORT_NOTE)
            return
        target, pain.status = pain.status, before
        pain.set_status(target, by=self.by, now=self.now, note=IMPORT_NOTE)  # its history row

    def import_stack(self, name, item, path):
        tool = Tool.objects.filter(name=name).values_list("pk", flat=True).first()
        if tool is None:
            self.error(item.line_of("tool"), f"{path}.tool", f"no tool {name!r} in the catalogue or the file's tools")
        instance = (tool and StackEntry.objects.filter(tool_id=tool).first()) or StackEntry()
        before = instance.lifecycle if instance.pk else ""  # the form changes the instance
        resolved = {"tool": tool or MISSING}
        resolved.update(self.references(item, path, {"owner": "users", "team": "teams", "pain_points": "pain_points"}))
        data = self.form_data(instance, "stack", item, resolved)
        data.update(self.filter_values(item, path))
        data.update(self.cost_values(item, path))
        form = StackEntryForm(data, instance=instance)
        valid = self.validate(form, item, path, "stack", resolved)
        probe_form = self.probe_form(instance, item, path) if "probe" in item else None
        if valid:
            self.check_lifecycle(form, before, item, path)
        if not valid or not self.record_is_clean():
            return
        entry = form.save(commit=False)
        added, changed = before == "", form.has_changed()
        fields = self.changed_fields(form, "stack") if changed and not added else []
        target = entry.lifecycle
        if added:
            entry.save()
            form.save_m2m()
            entry.record_arrival(by=self.by, now=self.now, note=IMPORT_NOTE)
        elif changed:
            entry.lifecycle = before  # the fields first; the lifecycle moves under the rules below
            entry.save()
            form.save_m2m()
            if target != before:
                self.move(entry, target, form, item)
        if probe_form is not None:
            probe_fields = self.save_probe(entry, probe_form, item["probe"], f"{path}.probe")
            changed, fields = changed or bool(probe_fields), fields + probe_fields
        self.record("stack", name, added=added, changed=changed, fields=fields)

    def move(self, entry: StackEntry, target: str, form, item: Record) -> None:
        """Move an entry as its page does (StackEntry.move_to: the transition, its dates, the
        pain points and the snooze), then keep what the file itself says of the assessment and
        the dates, which a move may have reset."""
        entry.move_to(target, by=self.by, now=self.now, note=IMPORT_NOTE)
        stated = {name: form.cleaned_data[name] for name in form.changed_data
                  if name in {*FILTERS, *(f"{f}_rationale" for f in FILTERS), "adopted_on", "retired_on"}}
        stated.update({name: form.cleaned_data[name] for name in ("adopted_on", "retired_on") if name in item})
        if any(getattr(entry, name) != value for name, value in stated.items()):
            StackEntry.objects.filter(pk=entry.pk).update(**stated)

    def check_lifecycle(self, form, before: str, item: Record, path: str) -> None:
        """A status change of an existing entry follows the same rules as on its page."""
        target = form.cleaned_data["lifecycle"]
        if not before or target == before:
            return
        line = item.line_of("status")
        blockers = form.instance.move_blockers(target, current=before, pain_points=form.cleaned_data.get("pain_points"))
        for reason in blockers:
            if target == Lifecycle.ADOPTED and before != Lifecycle.FLAGGED and Lifecycle.ADOPTED in TRANSITIONS[before]:
                reason = f"cannot be adopted: {reason}"
            else:
                reason = reason[0].lower() + reason[1:].rstrip(".")
            self.error(line, f"{path}.status", reason)

    def filter_values(self, item: Record, path: str) -> dict:
        """Form data for the three filters from `filters: {name: {verdict, rationale}}`."""
        filters = item.get("filters")
        if filters is None:
            return {}
        values = {}
        for name, verdict in checked_filters(filters, path, self.error).items():
            if "verdict" in verdict:
                values[name] = verdict["verdict"] or ""
            if "rationale" in verdict:
                values[f"{name}_rationale"] = verdict["rationale"] or ""
        return values

    def cost_values(self, item: Record, path: str) -> dict:
        cost = item.get("cost")
        if cost is None:
            return {}
        cost = checked(cost, "cost", f"{path}.cost", self.error)
        return {key: "" if value is None else value for key, value in cost.items()}

    def probe_form(self, entry: StackEntry, item: Record, path: str) -> ProbeForm | None:
        """The entry's probe bound to the file's values, or None (reported) when invalid."""
        path = f"{path}.probe"
        spec = checked(item["probe"], "probe", path, self.error)
        self.check_credential_env(spec, path)
        probe = (entry.pk and Probe.objects.filter(entry=entry).first()) or Probe(entry=entry)
        data = self.form_data(probe, "probe", spec, {})
        data["params"] = json.dumps(data.get("params") or {})
        form = ProbeForm(data, instance=probe)
        form.url_before = probe.url  # validation changes the instance
        return form if self.validate(form, spec, path, "probe") else None

    def check_credential_env(self, spec: Record, path: str) -> None:
        name = spec.get("credential_env")
        if not name:
            return
        line = spec.line_of("credential_env")
        if not ENV_NAME.match(name):
            self.error(line, f"{path}.credential_env", f"{name!r} is not an environment variable name (A-Z, 0-9 and _, at most 100)")
        elif name in reserved_variables():
            self.error(line, f"{path}.credential_env", f"{name} is one of Stackledger's own settings, not a probe credential")

    def save_probe(self, entry: StackEntry, form: ProbeForm, spec: Record, path: str) -> list[str]:
        """Save the probe when anything about it changes; return what changes. The credential
        is only said to change, never shown."""
        added, changed = form.instance.pk is None, form.has_changed()
        if added:
            fields = [f"probe: none → {form.cleaned_data['kind']}"]
        else:
            fields = self.changed_fields(form, "probe", prefix="probe.")
        probe = form.save(commit=False)
        probe.entry = entry
        env, token = probe.credential_env, probe.credential_token
        if probe.has_credential and not same_server(form.url_before, probe.url):
            probe.set_credential("")  # never send a stored credential to a new server
            probe.credential_env = probe.credential_env if self.read_credentials else ""
            changed = True
        if "credential_env" in spec:
            changed = self.probe_credential(probe, spec.get("credential_env") or "", spec.line_of("credential_env"), path) or changed
        if not added and probe.credential_env != env:
            fields.append(f"probe.credential_env: {env or 'none'} → {probe.credential_env or 'none'}")
        elif not added and probe.credential_token != token:
            fields.append("probe.credential: " + ("replaced" if probe.has_credential else "cleared"))
        if not (added or changed):
            return []
        probe.save()
        return fields or ["probe"]

    def probe_credential(self, probe: Probe, name: str, line: int, path: str) -> bool:
        """Take the credential from the environment variable the file names; never from the
        file. Returns whether anything about the credential changed."""
        where = f"{path}.credential_env"
        secret = os.environ.get(name, "") if name and self.read_credentials else ""
        if name and not secret:
            if not (probe.has_credential and probe.credential_env == name):
                reason = (f"{name} is not set here" if self.read_credentials
                          else "credentials are read only by `python manage.py import_stack`")
                self.warn(line, where, f"{reason}, so the probe has no credential yet")
            if probe.credential_env == name:
                return False  # keep what an earlier import stored
            probe.credential_env = name
            probe.set_credential("")
            return True
        try:
            same = probe.credential_env == name and probe.credential() == secret
        except crypto.WrongKey as wrong:
            self.error(line, where, str(wrong))
            return False
        if same:
            return False
        probe.credential_env = name
        probe.set_credential(secret)
        return True

    def import_models(self, name, item, path):
        instance = MLModel.objects.filter(name=name).first() or MLModel()
        self.import_simple(
            "models", name, item, path, instance=instance, form_class=MLModelForm,
            references={"team": "teams", "owner": "users", "tracker": "stack", "registry": "stack",
                        "serving": "stack", "monitoring": "stack"},
        )
