"""Import a stack file: parse it strictly, validate every record with the forms the UI uses,
and apply it in one short transaction only when nothing is wrong.

Records are matched by their natural keys (category key, tool name, team name, email, pain
point title, the stack entry's tool, model name, an accepted finding's rule and subject). A field the file leaves out keeps its
value; nothing the file does not mention is deleted.

An import runs in two phases. Checking reads the rows it needs once, then validates every
record in memory against them and against the records of the file before it (a stack entry
may name a tool the file adds), writing nothing and opening no transaction, so a long file
holds no lock while every problem, each with its line, is found. Only a file without a
problem is applied (applying.py): in one transaction, with a few bulk statements per section.
What a file may contain, and the checks of its shape, are in schema.py.
"""

import copy
import json
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.forms import TeamForm, UserForm
from apps.accounts.models import Team, User
from apps.accounts.roles import GROUP_NAMES
from apps.catalog.forms import CategoryForm, ToolForm
from apps.catalog.models import Category, Tool
from apps.catalog.seed import load_seed_catalogue
from apps.discovery.forms import DiscoverySourceForm
from apps.discovery.models import DiscoverySource
from apps.findings.forms import AcceptanceRecordForm
from apps.findings.models import Acceptance
from apps.lib import crypto, yamlio
from apps.lib.env import VARIABLE_NAME, own_variables
from apps.lib.yamlio import Record, YamlError
from apps.notifications.channels import BadChannel, normal
from apps.notifications.models import Channel
from apps.notifications.services import new_channel
from apps.painpoints.forms import PainPointForm
from apps.painpoints.models import PainPoint
from apps.probes.forms import ProbeForm
from apps.probes.models import Probe, credential_stays
from apps.stack.forms import MLModelForm, StackEntryForm
from apps.stack.models import FILTERS, TRANSITIONS, Lifecycle, MLModel, StackEntry
from apps.stackfile.applying import Step, apply, channel_states, state
from apps.stackfile.schema import (
    SCHEMA,
    SECTION_LABELS,
    SECTIONS,
    acceptance_name,
    check_document,
    checked,
    checked_entry,
    checked_filters,
    document_sections,
)

# The most records a file may hold, all sections together, and the most existing entries it may
# move (each by its page's rules, one at a time): a file within both is checked and applied well
# within the web server's 30 seconds (docs/stack-file.md gives the figures).
MAX_RECORDS = 30_000
MAX_MOVES = 500

# What a reference names: the section it points into and what to call it.
REFERENCES = {
    "categories": "category", "teams": "team", "users": "user", "pain_points": "pain point",
    "stack": "stack entry for the tool",
}
# Stack entry form fields that the file nests under cost and filters, for error paths.
NESTED_PATHS = {
    **{name: f"cost.{name}" for name in SCHEMA["cost"]},
    **{name: f"filters.{name}.verdict" for name in FILTERS},
    **{f"{name}_rationale": f"filters.{name}.rationale" for name in FILTERS},
}

MISSING = object()  # a reference to something that exists neither in the file nor the database
SHORT = 40  # a changed value longer than this is named, not shown


def stored_name(acceptance: Acceptance) -> str:
    """A stored acceptance's name, as a stack file names it (schema.acceptance_name)."""
    return acceptance_name(acceptance.code, {
        "tool": acceptance.entry and acceptance.entry.tool.name, "category": acceptance.category and acceptance.category.key,
        "pain_point": acceptance.pain_point and acceptance.pain_point.title,
    })


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)  # what changes in each changed record
    details: dict[str, list[str]] = field(default_factory=dict)  # what an added record is given

    def changed_fields(self) -> list[tuple[str, list[str]]]:
        """(name, what changes) of each changed record."""
        return [(name, self.fields.get(name, [])) for name in self.changed]

    def added_details(self) -> list[tuple[str, list[str]]]:
        """(name, what it is given) of each added record; a person's role, say."""
        return [(name, self.details.get(name, [])) for name in self.added]


class Found(forms.Field):
    """A form's reference field, given what the import found for it: a row, a record the file
    adds that is not saved yet, or a list of them. It stands in for the form's choice field,
    which can only look rows up one by one in the database (and has none for a new record)."""

    def __init__(self, original: forms.ModelChoiceField, value):
        super().__init__(required=original.required)
        self.model = original.queryset.model
        self.multiple = isinstance(original, forms.ModelMultipleChoiceField)
        if self.multiple:
            value = list({_key(v): v for v in value or []}.values())
        self.value = value or ([] if self.multiple else None)

    def clean(self, value):
        if self.required and not self.value:
            raise ValidationError(self.error_messages["required"], code="required")
        return self.value

    def has_changed(self, initial, data):
        return _keys(initial) != _keys(self.value)


def _key(value):
    """What tells one referenced row from another: its pk, or itself when not saved yet."""
    if isinstance(value, models.Model):
        return ("pk", value.pk) if value.pk is not None else ("new", id(value))
    return ("pk", value)


def _keys(value) -> set:
    values = value if isinstance(value, (list, tuple, set)) else [value]
    return {_key(v) for v in values if v not in (None, "")}


_IMPORT_FORMS = {}


class _Fields(dict):
    """A form's fields, copied for each form shallowly: the forms of an import are validated,
    never rendered, and copying every field and widget deeply for each record is most of what
    checking ten thousand records costs."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(form_field) for name, form_field in self.items()}


def import_form(form_class):
    """The form class, with its Found fields left out of the model's own field checks: what they
    name was found among the rows already, and a record the file adds has no pk to check yet.
    Its unique fields are checked against what the import knows (`known`: the rows and the
    records of the file before), not row by row in the database."""
    if form_class not in _IMPORT_FORMS:
        class ImportForm(form_class):
            known = None

            def _get_validation_exclusions(self):
                found = {name for name, f in self.fields.items() if isinstance(f, Found)}
                return super()._get_validation_exclusions() | found

            def validate_unique(self):
                unique, dates = self.instance._get_unique_checks(exclude=self._get_validation_exclusions())
                if self.known is None or dates:
                    return super().validate_unique()
                errors = {}
                for model, names in unique:
                    owner = self.known.owner(self.instance, model, names)
                    if owner is not None:
                        key = names[0] if len(names) == 1 else "__all__"
                        errors.setdefault(key, []).append(self.instance.unique_error_message(model, names))
                if errors:
                    self._update_errors(ValidationError(errors))

        ImportForm.__name__ = ImportForm.__qualname__ = form_class.__name__
        ImportForm.base_fields = _Fields(form_class.base_fields)
        _IMPORT_FORMS[form_class] = ImportForm
    return _IMPORT_FORMS[form_class]


class Known:
    """The values of the unique fields among the rows an import loaded and the records it has
    checked so far: which row or record holds each."""

    def __init__(self, rows: dict):
        self.rows = rows  # model -> rows by pk
        self.index = {}

    @staticmethod
    def key(instance) -> tuple:
        return ("pk", instance.pk) if instance.pk is not None else ("new", id(instance))

    @staticmethod
    def values(instance, names) -> tuple:
        return tuple(getattr(instance, instance._meta.get_field(name).attname) for name in names)

    def holders(self, model, names) -> dict:
        if (model, names) not in self.index:
            self.index[model, names] = {self.values(row, names): self.key(row) for row in self.rows.get(model, {}).values()}
        return self.index[model, names]

    def owner(self, instance, model, names):
        """Who else holds the instance's values of these unique fields; None when nobody does."""
        if any(instance._meta.get_field(name).primary_key for name in names):
            return None
        values = self.values(instance, names)
        if None in values:
            return None
        owner = self.holders(model, names).get(values)
        return owner if owner not in (None, self.key(instance)) else None

    def add(self, instance) -> None:
        """A checked record now holds its values."""
        for (model, names), holders in self.index.items():
            if isinstance(instance, model):
                holders[self.values(instance, names)] = self.key(instance)


def shown(form_field, value, rows=None) -> str:
    """A value as the stack file writes it, references by name (`rows`: pk -> row of each model)."""
    if isinstance(form_field, Found):
        values = value if isinstance(value, (list, tuple, set)) else [value]
        named = [v if isinstance(v, models.Model) else rows[form_field.model][v] for v in values if v not in (None, "")]
        return ", ".join(sorted(str(v) for v in named)) or "none"
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

    `by` is who imports it: a person uploading it in the browser, recorded as the author of
    lifecycle and status changes; None for the operator running `manage.py import_stack`. Only
    someone who may add and change people (or the operator) adds or changes people with it.
    Probe credentials are read from the environment variables the file names only with
    `read_credentials`: the command line, run by an operator, does; a web upload does not.
    """
    try:
        document = yamlio.load(text)
    except YamlError as error:
        return Outcome(errors=[str(error)])
    return import_document(document, commit=commit, now=now, by=by, read_credentials=read_credentials)


def import_document(document, *, commit: bool, now, by=None, read_credentials: bool = False) -> Outcome:
    """`import_stack` of a stack file already parsed (yamlio Records, which know their lines):
    what another format, such as a Backstage catalog, reads into one."""
    if Category.objects.exists():
        return _check_and_apply(document, commit=commit, now=now, by=by, read_credentials=read_credentials)
    # A first import, on an empty database: the seed catalogue every file assumes (as
    # `load_catalog` loads it) is kept only with the file, so nobody else has written yet.
    try:
        with transaction.atomic():
            load_seed_catalogue()
            outcome = _check_and_apply(document, commit=commit, now=now, by=by, read_credentials=read_credentials)
            transaction.set_rollback(not outcome.applied)
    except IntegrityError:
        return Outcome(errors=["line 1: file: another first import was applied meanwhile; nothing was changed: "
                               "check the file again and apply it"])
    return outcome


def _check_and_apply(document, *, commit: bool, now, by, read_credentials: bool) -> Outcome:
    importer = _Importer(by=by, read_credentials=read_credentials, now=now)
    importer.run(document)
    outcome = importer.outcome
    outcome.errors.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
    if commit and outcome.ok:
        problem = apply(importer.steps, by=by, now=now)
        if problem:
            outcome.errors.append(f"line 1: file: {problem}")
        outcome.applied = not problem
    return outcome


class _Importer:
    def __init__(self, *, by, read_credentials, now):
        self.outcome = Outcome()
        self.now = now
        self.by = by
        self.read_credentials = read_credentials
        self.mark = 0  # errors before the record being imported
        # Records of the file that were refused: what names them is not reported again.
        self.refused = {section: set() for section in SECTIONS}
        self.steps = {section: [] for section in SECTIONS}
        self.moves = 0  # existing stack entries the file moves to another status

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
        sections = list(document_sections(document, self.error))
        count = sum(len(items) for _, items in sections)
        if count > MAX_RECORDS:
            self.error(1, "file", f"{count:,} records; a stack file holds at most {MAX_RECORDS:,}: split it in two")
            return
        self.load()
        for section, items in sections:
            self.outcome.changes[section] = Changes()
            handler = getattr(self, f"import_{section}")
            names = []
            for name, item in self.records(section, items, document.line_of(section)):
                handler(name, item, f"{section}[{name}]")
                if not self.record_is_clean():
                    self.refused[section].add(name.lower())
                names.append(name)
            self.note_not_in_file(section, names)

    def load(self) -> None:
        """Every row an import may match or name, by natural key, in a few queries. Records the
        file adds join them as they are checked."""
        users = list(User.objects.select_related("team").prefetch_related("groups").order_by("email"))
        self.rows = {
            "categories": {c.key: c for c in Category.objects.order_by()},
            "tools": {t.name: t for t in Tool.objects.prefetch_related("categories").order_by()},
            "teams": {t.name: t for t in Team.objects.order_by()},
            # By email, any case; where two accounts differ only in case, the one spelled as
            # written wins (self.exact_users).
            "users": {},
            "pain_points": {p.title: p for p in PainPoint.objects.order_by()},
            "stack": {e.tool.name: e for e in StackEntry.objects.select_related("tool").prefetch_related("pain_points").order_by()},
            "models": {m.name: m for m in MLModel.objects.order_by()},
            "discovery": {source.name: source for source in DiscoverySource.objects.order_by()},
            "accepted_findings": {
                stored_name(a): a for a in Acceptance.objects.select_related("entry__tool", "category", "pain_point")
            },
        }
        for user in users:
            self.rows["users"].setdefault(user.email.lower(), user)
        self.exact_users = {user.email: user for user in users}
        self.existing = {
            "teams": list(self.rows["teams"]), "users": [u.email for u in users],
            "pain_points": list(self.rows["pain_points"]), "stack": list(self.rows["stack"]),
            "models": list(self.rows["models"]), "accepted_findings": list(self.rows["accepted_findings"]),
            "discovery": list(self.rows["discovery"]),
        }
        self.by_pk = {User: {user.pk: user for user in users}}
        for rows in self.rows.values():
            for row in rows.values():
                self.by_pk.setdefault(type(row), {})[row.pk] = row
        self.known = Known(self.by_pk)
        self.probes = {p.entry_id: p for p in Probe.objects.order_by()}
        self.channels = {}
        for channel in Channel.objects.order_by("pk"):
            self.channels.setdefault(channel.team_id, []).append(channel)
        self.env_names = {c.url_env for channels in self.channels.values() for c in channels if c.url_env}
        self.checked = {(model, pk): state(row) for model, rows in self.by_pk.items() for pk, row in rows.items()}
        self.checked.update({(Probe, probe.pk): state(probe) for probe in self.probes.values()})
        self.slugs = {t.slug for t in self.rows["tools"].values()}

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
        existing = self.existing.get(section)
        if existing is None:
            return
        named = {name.lower() for name in names}
        left = sorted(name for name in existing if name.lower() not in named)
        if left:
            self.outcome.not_in_file[section] = left

    # Shared machinery -------------------------------------------------------------------

    def references(self, item: Record, path: str, targets: dict[str, str]) -> dict:
        """What the item's reference fields name (file key -> target section): a row, a
        record the file adds, or a list of them; an unknown name is reported and gives MISSING."""
        resolved = {}
        for key, target in targets.items():
            if key not in item:
                continue
            value = item[key]
            line, where = item.line_of(key), f"{path}.{key}"
            if isinstance(value, list):
                found = [self.find(name, line, where, target) for name in value]
                resolved[key] = MISSING if MISSING in found else found
            else:
                resolved[key] = self.find(value, line, where, target) if value else None
        return resolved

    def find(self, name: str, line: int, path: str, target: str):
        """The `target` section's row or record called `name`, or MISSING."""
        if target == "users":
            found = self.user(name.strip())
        else:
            found = self.rows[target].get(name.strip())
        if found is not None:
            return found
        if name.strip().lower() not in self.refused[target]:  # else its own errors say why
            self.error(line, path, f"no {REFERENCES[target]} {name!r} in the file or the database")
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

    def bind(self, form_class, instance, data: dict):
        """The form bound to the record, its reference fields given what they name (Found)."""
        form = import_form(form_class)(data, instance=instance)
        form.known = self.known
        for name, form_field in list(form.fields.items()):
            if not isinstance(form_field, forms.ModelChoiceField) or form_field.queryset.query.has_filters():
                continue  # a field choosing among some rows only checks its choice itself
            rows = self.by_pk.get(form_field.queryset.model, {})
            value = data.get(name)
            values = value if isinstance(value, (list, tuple)) else [value]
            found = [v if isinstance(v, models.Model) else rows.get(v) for v in values if v not in (None, "")]
            if None in found:
                continue  # a row this import did not load: the form's own field looks for it
            form.fields[name] = Found(form_field, found if isinstance(value, (list, tuple)) else (found or [None])[0])
        return form

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

    def record(self, section: str, name: str, *, added: bool, changed: bool, fields=(), details=()) -> None:
        changes = self.outcome.changes[section]
        (changes.added if added else changes.changed if changed else changes.unchanged).append(name)
        if changed and not added:
            changes.fields[name] = list(fields)
        if added and details:
            changes.details[name] = list(details)

    def changed_fields(self, form, schema: str, prefix: str = "") -> list[str]:
        """What the form changes, by the file's field names: "field: old → new" where both
        values are short, else the field alone. No form carries a credential."""
        to_file = {form_key: file_key for file_key, (form_key, _) in SCHEMA[schema].items() if form_key}
        to_file.update(NESTED_PATHS if schema == "stack" else {})
        described = []
        for name in form.changed_data:
            form_field = form.fields[name]
            old = self.shown(form_field, form.get_initial_for_field(form_field, name))
            new = self.shown(form_field, form.cleaned_data.get(name))
            where = prefix + to_file.get(name, name)
            short = len(old) <= SHORT and len(new) <= SHORT and "\n" not in old + new
            described.append(f"{where}: {old} → {new}" if short else where)
        return described

    def shown(self, form_field, value) -> str:
        return shown(form_field, value, self.by_pk)

    def step(self, form, added: bool) -> Step:
        """What saving the form does: the fields it writes and the links it sets, and the row
        as it was checked (applying refuses if it changed meanwhile)."""
        instance, changed = form.instance, set(form.changed_data)
        many = {f.name for f in instance._meta.many_to_many}
        return Step(
            instance, added, fields=changed - many, checked=None if added else self.checked[type(instance), instance.pk],
            links={name: list(form.cleaned_data[name]) for name in many & set(form.fields) if added or name in changed},
        )

    def plan(self, form, section: str, name: str, *, added: bool, key: str | None = None) -> Step:
        """Record what the clean form changes; the instance joins the rows later records name."""
        changed = form.has_changed()
        fields = self.changed_fields(form, section) if changed and not added else []
        self.record(section, name, added=added, changed=changed, fields=fields)
        step = self.step(form, added)
        if added or changed:
            self.steps[section].append(step)
        self.remember(section, key or name, form.instance)
        return step

    def remember(self, section: str, key: str, instance) -> None:
        """A checked record: what later records name, as the import will have saved it."""
        self.rows[section][key] = instance
        if instance.pk is not None:
            self.by_pk.setdefault(type(instance), {})[instance.pk] = instance
        self.known.add(instance)

    def import_simple(self, section, name, item, path, *, existing, new, form_class, references=None):
        """Validate one record with its form; plan its saving when the record is clean."""
        instance = copy.copy(existing) if existing is not None else new
        resolved = self.references(item, path, references or {})
        form = self.bind(form_class, instance, self.form_data(instance, section, item, resolved))
        if self.validate(form, item, path, section, resolved) and self.record_is_clean():
            return self.plan(form, section, name, added=existing is None)
        return None

    # Sections ---------------------------------------------------------------------------

    def import_categories(self, name, item, path):
        self.import_simple("categories", name, item, path, existing=self.rows["categories"].get(name),
                           new=Category(), form_class=CategoryForm)

    def import_tools(self, name, item, path):
        existing = self.rows["tools"].get(name)
        self.import_simple(
            "tools", name, item, path, existing=existing,
            new=None if existing else Tool(slug=self.free_slug(name)), form_class=ToolForm,
            references={"categories": "categories"},
        )

    def free_slug(self, name: str) -> str:
        base = slugify(name) or "tool"
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def import_teams(self, name, item, path):
        existing = self.rows["teams"].get(name)
        instance = copy.copy(existing) if existing is not None else Team()
        form = self.bind(TeamForm, instance, self.form_data(instance, "teams", item, {}))
        valid = self.validate(form, item, path, "teams")
        stored = self.channels.get(existing.pk, []) if existing is not None else []
        channels = self.plan_channels(form.instance, stored, item, path) if "notify" in item else None
        if not valid or not self.record_is_clean():
            return
        added = existing is None
        said = channels[1] if channels else []
        changed = form.has_changed() or bool(said)
        fields = self.changed_fields(form, "teams") if form.has_changed() and not added else []
        self.record("teams", name, added=added, changed=changed, fields=fields + ([] if added else said), details=said)
        step = self.step(form, added)
        if channels is not None and (added or said):
            step.channels, step.channels_checked = channels[0], channel_states(stored)
        if added or changed:
            self.steps["teams"].append(step)
        self.remember("teams", name, form.instance)

    def plan_channels(self, team: Team, stored: list[Channel], item: Record, path: str):
        """(the team's channels as the file has them, what that changes) for `notify:`: each
        URL as text, or as {url_env: NAME}, read from the environment by the command line."""
        path, line = f"{path}.notify", item.line_of("notify")
        by_url = {}
        for channel in stored:
            try:
                by_url[normal(channel.url())] = channel
            except crypto.WrongKey:
                pass  # unreadable here: the file can still name it by url_env, or drop it
        by_env = {channel.url_env: channel for channel in stored if channel.url_env}
        taken = self.env_names
        planned, said, seen = [], [], set()
        for number, value in enumerate(item["notify"] or []):
            where = f"{path}[{number}]"
            if isinstance(value, str):
                kept = by_url.get(normal(value.strip()))
                channel = kept or self.new_channel(team, value, line, where, url_env="", taken=taken)
            else:
                channel = self.channel_from_env(team, value, by_env, line, where, taken=taken)
                kept = channel if channel is not None and channel.pk else None
            if channel is None:
                continue
            try:
                keys = {f"url:{normal(channel.url())}"}
            except crypto.WrongKey:
                keys = set()
            keys |= {f"env:{channel.url_env}"} if channel.url_env else set()
            if keys & seen:
                self.error(line, where, f"{channel.label} is listed twice")
                continue
            seen |= keys
            taken.add(channel.url_env)
            planned.append(channel)
            if kept is None:
                said.append(f"notify: + {channel.label}")
            elif getattr(channel, "changed", False):
                said.append(f"notify: {channel.label} (URL from {channel.url_env} replaced)")
        kept_pks = {channel.pk for channel in planned if channel.pk}
        said += [f"notify: − {channel.label}" for channel in stored if channel.pk not in kept_pks]
        return planned, said

    def new_channel(self, team, url: str, line: int, where: str, *, url_env: str, taken: set):
        try:
            channel = new_channel(team, url, now=self.now, url_env=url_env, taken=taken)
        except BadChannel as bad:
            self.error(line, where, str(bad) + (f" (the URL in {url_env})" if url_env else ""))
            return None
        if channel.url_env and not url_env:
            self.warn(line, where, f"this URL carries a secret: it is stored encrypted and exported as "
                                   f"{{url_env: {channel.url_env}}}; keep the secret out of the file")
        return channel

    def channel_from_env(self, team, value: Record, by_env: dict, line: int, where: str, *, taken: set):
        """The channel a {url_env: NAME} names: the stored one (its URL replaced when the
        environment holds another), or a new one when the environment has its URL."""
        unknown = [key for key in value if key != "url_env"]
        name = value.get("url_env")
        if unknown or not isinstance(name, str):
            self.error(value.line or line, where, "must be an Apprise URL as text or {url_env: NAME}")
            return None
        if not VARIABLE_NAME.match(name) or name in own_variables():
            self.error(value.line or line, f"{where}.url_env", f"{name!r} is not an environment variable a "
                       "channel may be read from (A-Z, 0-9 and _, at most 100, not one of Stackledger's settings)")
            return None
        stored = by_env.get(name)
        url = os.environ.get(name, "").strip() if self.read_credentials else ""
        if not url:
            if stored is None:
                reason = (f"{name} is not set here" if self.read_credentials
                          else "channel URLs are read from the environment only by `python manage.py import_stack`")
                self.warn(value.line or line, f"{where}.url_env", f"{reason}, so this channel is not added")
            return stored
        if stored is None:
            return self.new_channel(team, url, value.line or line, where, url_env=name, taken=taken)
        try:
            if normal(stored.url()) == normal(url):
                return stored
        except crypto.WrongKey:
            pass  # unreadable here: the environment's URL replaces it
        fresh = self.new_channel(team, url, value.line or line, where, url_env=name, taken=taken)
        if fresh is None:
            return None
        stored = copy.copy(stored)
        stored.url_token, stored.label, stored.changed = fresh.url_token, fresh.label, True
        return stored

    def import_users(self, name, item, path):
        existing = self.user(name)
        instance = copy.copy(existing) if existing is not None else User()
        role = item.get("role")
        if role is not None and role not in GROUP_NAMES:
            self.error(item.line_of("role"), f"{path}.role", f"{role!r} is not one of {', '.join(GROUP_NAMES)}")
        resolved = self.references(item, path, {"team": "teams"})
        data = self.form_data(instance, "users", item, resolved)
        data["email"] = str(data["email"]).strip().lower()
        if existing is not None and not existing.is_active and item.get("active") is True:
            data["is_active"] = False
            self.warn(item.line_of("active"), f"{path}.active", f"{existing.email} is deactivated and stays so: "
                      "a stack file never reactivates an account (an administrator can, in the admin)")
        form = self.bind(UserForm, instance, data)
        if not self.validate(form, item, path, "users", resolved) or not self.record_is_clean():
            return
        added = existing is None
        fields = [] if added else self.changed_fields(form, "users")
        sets_role = role is not None and (added or role != existing.role)
        if sets_role and not added:
            fields.append(f"role: {existing.role or 'none'} → {role}")
        makes_staff = sets_role and instance.is_staff_as(role)
        if (added or fields) and not self.may_write_person(existing, item, path, makes_staff=makes_staff):
            return
        details = [f"role: {role}"] if role else []
        details += ["active: false"] if added and not form.cleaned_data["is_active"] else []
        self.record("users", name, added=added, changed=bool(fields), fields=fields, details=details)
        user = form.instance
        self.remember("users", name.lower(), user)
        if not (added or fields):
            return
        step = self.step(form, added)
        if sets_role:
            step.role = role
            if user.is_staff != user.is_staff_as(role):  # as User.set_role sets it
                user.is_staff = user.is_staff_as(role)
                step.fields.add("is_staff")
        if added:
            user.set_unusable_password()
        self.steps["users"].append(step)

    def user(self, email: str) -> User | None:
        """The person of this email: as the file has them when it lists them, the account
        spelled so, else the one of any case."""
        listed = self.rows["users"].get(email.lower())
        exact = self.exact_users.get(email)
        if listed is not None and (listed.pk is None or exact is None or listed.pk == exact.pk):
            return listed  # someone the file adds, or as the file changes them
        return exact or listed

    def may_write_person(self, existing: User | None, item: Record, path: str, *, makes_staff: bool) -> bool:
        """Whether this import may add the person, or change them; reported if not. The
        operator (by None) and a superuser may add and change anyone but a superuser; someone
        else needs the permission to, and may neither change a staff account nor make one
        (every lead's is: the lead role gives the admin site)."""
        if existing is not None and existing.is_superuser:
            self.error(item.line, path, f"{existing.email} is a superuser: a stack file never changes one; "
                       "change it in the admin")
            return False
        if self.by is None or self.by.is_superuser:
            return True
        permission, doing = ("accounts.add_user", "add") if existing is None else ("accounts.change_user", "change")
        if not self.by.has_perm(permission):
            self.error(item.line, path, f"only someone who may {doing} people ({permission}) can {doing} one "
                       "through a stack file: leave this row out, or ask an administrator")
            return False
        if existing is not None and existing.is_staff:
            self.error(item.line, path, f"{existing.email} is a staff account (as every lead is): only a superuser "
                       "changes one through a stack file")
            return False
        if makes_staff:
            self.error(item.line_of("role"), f"{path}.role", "the lead role gives the admin site: only a superuser "
                       "makes someone a lead through a stack file")
            return False
        return True

    def import_pain_points(self, name, item, path):
        existing = self.rows["pain_points"].get(name)
        step = self.import_simple(
            "pain_points", name, item, path, existing=existing, new=PainPoint(), form_class=PainPointForm,
            references={"category": "categories", "team": "teams", "reported_by": "users"},
        )
        before = existing.status if existing is not None else ""
        if step is not None and step.instance.status != before:
            # Its history: a new pain point starts it, as one logged on its page does.
            step.status_from = before

    def import_stack(self, name, item, path):
        tool = self.rows["tools"].get(name)
        if tool is None:
            self.error(item.line_of("tool"), f"{path}.tool", f"no tool {name!r} in the catalogue or the file's tools")
        existing = self.rows["stack"].get(name)
        instance = copy.copy(existing) if existing is not None else StackEntry()
        before = existing.lifecycle if existing is not None else ""
        resolved = {"tool": tool or MISSING}
        resolved.update(self.references(item, path, {"owner": "users", "team": "teams", "pain_points": "pain_points"}))
        data = self.form_data(instance, "stack", item, resolved)
        data.update(self.filter_values(item, path))
        data.update(self.cost_values(item, path))
        form = self.bind(StackEntryForm, instance, data)
        valid = self.validate(form, item, path, "stack", resolved)
        probe_form = self.probe_form(instance, item, path) if "probe" in item else None
        if valid:
            self.check_lifecycle(form, before, item, path)
        if not valid or not self.record_is_clean():
            return
        entry = form.instance
        added, changed = existing is None, form.has_changed()
        fields = self.changed_fields(form, "stack") if changed and not added else []
        step = self.step(form, added)
        if not added and entry.lifecycle != before:
            # The fields first; the lifecycle then moves under the rules (self.move).
            step.move, entry.lifecycle = (entry.lifecycle, form, item), before
            step.fields.discard("lifecycle")
            self.moves += 1
            if self.moves == MAX_MOVES + 1:
                self.error(item.line_of("status"), f"{path}.status", f"a file moves at most {MAX_MOVES:,} existing "
                           "stack entries to another status, each by the rules of its page: split the file")
        if probe_form is not None:
            probe_fields = self.plan_probe(probe_form, item["probe"], f"{path}.probe")
            if probe_fields:
                step.probe = probe_form.instance
                step.probe_checked = self.checked.get((Probe, step.probe.pk))
            changed, fields = changed or bool(probe_fields), fields + probe_fields
        self.record("stack", name, added=added, changed=changed, fields=fields)
        if added or changed:
            self.steps["stack"].append(step)
        self.remember("stack", name, entry)

    def check_lifecycle(self, form, before: str, item: Record, path: str) -> None:
        """A status change of an existing entry follows the same rules as on its page."""
        target = form.cleaned_data["lifecycle"]
        if not before or target == before:
            return
        entry = form.instance
        if entry.owner_id is None and entry.owner is not None:
            entry = copy.copy(entry)
            entry.owner_id = 0  # the owner is someone the file adds: there is one
        line = item.line_of("status")
        blockers = entry.move_blockers(target, current=before, pain_points=form.cleaned_data.get("pain_points"))
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
        stored = self.probes.get(entry.pk) if entry.pk else None
        probe = copy.copy(stored) if stored is not None else Probe()
        probe.entry = entry
        data = self.form_data(probe, "probe", spec, {})
        data["params"] = json.dumps(data.get("params") or {})
        form = ProbeForm(data, instance=probe)
        form.kind_before, form.url_before = probe.kind, probe.url  # validation changes the instance
        return form if self.validate(form, spec, path, "probe") else None

    def check_credential_env(self, spec: Record, path: str) -> None:
        name = spec.get("credential_env")
        if not name:
            return
        line = spec.line_of("credential_env")
        if not VARIABLE_NAME.match(name):
            self.error(line, f"{path}.credential_env", f"{name!r} is not an environment variable name (A-Z, 0-9 and _, at most 100)")
        elif name in own_variables():
            self.error(line, f"{path}.credential_env", f"{name} is one of Stackledger's own settings, not a probe credential")

    def plan_probe(self, form: ProbeForm, spec: Record, path: str) -> list[str]:
        """What changes about the probe (empty: nothing, and it is not saved). The credential
        is only said to change, never shown."""
        probe = form.instance
        added, changed = probe.pk is None, form.has_changed()
        if added:
            fields = [f"probe: none → {form.cleaned_data['kind']}"]
        else:
            fields = self.changed_fields(form, "probe", prefix="probe.")
        env, token = probe.credential_env, probe.credential_token
        if probe.has_credential and not credential_stays(kind_before=form.kind_before, url_before=form.url_before,
                                                         kind=probe.kind, url=probe.url):
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

    def import_accepted_findings(self, name, item, path):
        """An acceptance is checked as on the findings page (apps.findings.acceptances), its
        expiry against the day of the import; one that has expired is kept, and said so."""
        existing = self.rows["accepted_findings"].get(name)
        instance = copy.copy(existing) if existing is not None else Acceptance()
        resolved = self.references(item, path, {"tool": "stack", "category": "categories",
                                                "pain_point": "pain_points", "owner": "users"})
        form = self.bind(AcceptanceRecordForm, instance, self.form_data(instance, "accepted_findings", item, resolved))
        form.today, form.expired_ok = timezone.localdate(self.now), True
        owner = resolved.get("owner")
        form.owner_kept = existing is not None and getattr(owner, "pk", None) == existing.owner_id
        if self.validate(form, item, path, "accepted_findings", resolved) and self.record_is_clean():
            self.plan(form, "accepted_findings", name, added=existing is None)
            if not form.instance.holds_on(form.today):
                self.warn(item.line_of("expires"), f"{path}.expires", f"expired on {form.instance.expires_on}: "
                          "the finding counts again; renew it with a new date, or remove the record")
            if form.owner_kept and not owner.is_active:
                self.warn(item.line_of("owner"), f"{path}.owner", f"{owner} is no longer active: hand the "
                          "acceptance to someone who is still here")

    def import_discovery(self, name, item, path):
        self.import_simple("discovery", name, item, path, existing=self.rows["discovery"].get(name),
                           new=DiscoverySource(), form_class=DiscoverySourceForm)

    def import_models(self, name, item, path):
        self.import_simple(
            "models", name, item, path, existing=self.rows["models"].get(name), new=MLModel(),
            form_class=MLModelForm,
            references={"team": "teams", "owner": "users", "tracker": "stack", "registry": "stack",
                        "serving": "stack", "monitoring": "stack"},
        )
