"""Apply a checked stack file (importer.py): in one transaction, with bulk statements.

Each section inserts the records it adds and updates only the fields that change in the
others, a few statements for the whole section; the links (a tool's categories, an entry's
pain points, a person's role) are set the same way, and so is the history a new record starts
with. What moves under the domain's rules goes through the models' own methods, one record at
a time: a stack entry whose lifecycle changes (StackEntry.move_to), the pain points an
arriving entry answers (StackEntry.pain_points_follow), probes (Probe.save) and the heartbeat
URLs of entries that change hands (Probe.hand_over). Whoever listens for changes (the linter,
the overview) hears of them once, when the import commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.accounts.roles import GROUP_NAMES
from apps.catalog.models import Category, Tool
from apps.lib import changes
from apps.painpoints.models import PainPoint, StatusChange
from apps.probes.models import Probe
from apps.stack.models import (
    FILTERS,
    PAIN_POINTS_FOLLOW,
    Lifecycle,
    LifecycleTransition,
    MLModel,
    StackEntry,
    TransitionError,
)

IMPORT_NOTE = "Imported from a stack file."
CHUNK = 500  # ids per `IN (...)`, within every database's limit on query parameters
STALE = ("the stack changed while the file was being checked ({}); nothing was changed: "
         "check the file again and apply it")


@dataclass
class Step:
    """What applying does for one record that adds or changes something."""

    instance: models.Model
    added: bool
    fields: set[str] = field(default_factory=set)  # the model fields a change writes
    links: dict[str, list] = field(default_factory=dict)  # many-to-many field -> the whole new set
    role: str | None = None  # a person's new role
    status_from: str | None = None  # a pain point's status before, when the import sets it
    move: tuple | None = None  # a stack entry's (target lifecycle, form, record)
    probe: Probe | None = None  # a probe to save


def apply(steps: dict, *, by, now) -> str:
    """Apply the steps of a checked file; '' once committed, else why nothing was."""
    try:
        with transaction.atomic(), changes.one_change():
            write(Category, steps["categories"])
            write(Tool, steps["tools"])
            link(Tool, "categories", steps["tools"])
            write(Team, steps["teams"])
            write(User, steps["users"])
            give_roles(steps["users"])
            write(PainPoint, steps["pain_points"])
            StatusChange.objects.bulk_create(
                StatusChange(pain_point=step.instance, from_status=step.status_from, to_status=step.instance.status,
                             by=by, at=now, note=IMPORT_NOTE)
                for step in steps["pain_points"] if step.status_from is not None
            )
            apply_stack(steps["stack"], by=by, now=now)
            write(MLModel, steps["models"])
    except TransitionError as error:
        return STALE.format(f"a move is refused now: {error}")
    except IntegrityError:
        return STALE.format("a record it adds or names was added or removed meanwhile")
    return ""


def write(model, steps: list) -> None:
    """Insert the records the section adds; update the fields that change in the others."""
    model.objects.bulk_create([step.instance for step in steps if step.added])
    by_fields = defaultdict(list)
    for step in steps:
        if not step.added and step.fields:
            by_fields[frozenset(step.fields)].append(step.instance)
    touched = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    for fields, rows in by_fields.items():
        for row in rows:
            for f in touched:
                f.pre_save(row, add=False)  # updated_at, as save() sets it
        model.objects.bulk_update(rows, sorted(fields | {f.name for f in touched}))
    if steps:
        changes.held(model)


def link(model, name: str, steps: list) -> None:
    """Set the many-to-many `name` of each step that gives it: the file's list is the set."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    source = through._meta.get_field(field.m2m_field_name()).attname
    target = through._meta.get_field(field.m2m_reverse_field_name()).attname
    given = [step for step in steps if name in step.links]
    replaced = [step.instance.pk for step in given if not step.added]
    for start in range(0, len(replaced), CHUNK):
        through.objects.filter(**{f"{source}__in": replaced[start:start + CHUNK]}).delete()
    through.objects.bulk_create(
        through(**{source: step.instance.pk, target: other.pk}) for step in given for other in step.links[name]
    )
    if given:
        changes.held(through)


def give_roles(steps: list) -> None:
    """Each person the file gives a role has that one group (as User.set_role does; the steps
    set is_staff already)."""
    given = [step for step in steps if step.role is not None]
    if not given:
        return
    groups = {group.name: group.pk for group in Group.objects.filter(name__in=GROUP_NAMES.values())}
    through = User.groups.through
    replaced = [step.instance.pk for step in given if not step.added]
    for start in range(0, len(replaced), CHUNK):
        through.objects.filter(user_id__in=replaced[start:start + CHUNK]).delete()
    through.objects.bulk_create(
        through(user_id=step.instance.pk, group_id=groups[GROUP_NAMES[step.role]]) for step in given
    )


def apply_stack(steps: list, *, by, now) -> None:
    """Stack entries: the new ones arrive as StackEntry.record_arrival has them arrive, the
    changed ones get their fields, then each lifecycle change moves by the rules."""
    for step in steps:
        entry = step.instance
        if step.added and entry.lifecycle == Lifecycle.ADOPTED and not entry.adopted_on:
            entry.adopted_on = now.date()
        if step.added and entry.lifecycle == Lifecycle.RETIRED and not entry.retired_on:
            entry.retired_on = now.date()
    write(StackEntry, steps)
    Probe.hand_over(step.instance.pk for step in steps if not step.added and "owner" in step.fields)
    link(StackEntry, "pain_points", steps)
    LifecycleTransition.objects.bulk_create(
        LifecycleTransition(entry=step.instance, to_lifecycle=step.instance.lifecycle, by=by, at=now, note=IMPORT_NOTE)
        for step in steps if step.added
    )
    arrivals_followed(steps, by=by, now=now)
    for step in steps:
        if step.move is not None:
            move(step.instance, *step.move, by=by, now=now)
        if step.probe is not None:
            step.probe.entry = step.instance
            step.probe.save()


def arrivals_followed(steps: list, *, by, now) -> None:
    """The pain points each new entry answers follow it, as StackEntry.pain_points_follow has
    them follow (PAIN_POINTS_FOLLOW): for every new entry at once, in the file's order."""
    followed, history = defaultdict(set), []
    for step in steps:
        entry = step.instance
        if not step.added or entry.lifecycle not in PAIN_POINTS_FOLLOW:
            continue
        before, after = PAIN_POINTS_FOLLOW[entry.lifecycle]
        note = f"{entry.tool} is {Lifecycle(entry.lifecycle).label.lower()}."
        for pain in step.links.get("pain_points", []):
            if pain.status in before:
                history.append(StatusChange(pain_point=pain, from_status=pain.status, to_status=after, by=by, at=now,
                                            note=note))
                pain.status = after
                followed[after].add(pain.pk)
    for status, pks in followed.items():
        pks = sorted(pks)
        for start in range(0, len(pks), CHUNK):
            PainPoint.objects.filter(pk__in=pks[start:start + CHUNK]).update(status=status, updated_at=timezone.now())
    StatusChange.objects.bulk_create(history)
    if followed:
        changes.held(PainPoint)


def move(entry: StackEntry, target: str, form, item, *, by, now) -> None:
    """Move an entry as its page does (StackEntry.move_to: the transition, its dates, the
    pain points and the snooze), then keep what the file itself says of the assessment and
    the dates, which a move may have reset."""
    entry.move_to(target, by=by, now=now, note=IMPORT_NOTE)
    stated = {name: form.cleaned_data[name] for name in form.changed_data
              if name in {*FILTERS, *(f"{f}_rationale" for f in FILTERS), "adopted_on", "retired_on"}}
    stated.update({name: form.cleaned_data[name] for name in ("adopted_on", "retired_on") if name in item})
    if any(getattr(entry, name) != value for name, value in stated.items()):
        StackEntry.objects.filter(pk=entry.pk).update(**stated)
