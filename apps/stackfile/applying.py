"""Apply a checked stack file (importer.py): in one transaction, with bulk statements.

Each section inserts the records it adds and updates only the fields that change in the
others, a few statements for the whole section; the links (a tool's categories, an entry's
pain points, a person's role) are set the same way, and so is the history a new record starts
with. What moves under the domain's rules goes through the models' own methods, one record at
a time: a stack entry whose lifecycle changes (StackEntry.move_to), the pain points an
arriving entry answers (StackEntry.pain_points_follow), probes (Probe.save) and the heartbeat
URLs of entries that change hands (Probe.hand_over); accepted findings are stored, then cover
their findings, as on the findings page (apps.findings.acceptances). Whoever listens for changes (the linter,
the overview) hears of them once, when the import commits.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.accounts.roles import GROUP_NAMES
from apps.catalog.models import Category, Tool
from apps.discovery.models import DiscoverySource
from apps.findings import acceptances
from apps.findings.models import Acceptance, Finding
from apps.lib import changes
from apps.notifications.models import Channel
from apps.painpoints.models import PainPoint, StatusChange
from apps.probes.models import Probe
from apps.stack.models import (
    FILTERS,
    PAIN_POINTS_FOLLOW,
    Lifecycle,
    LifecycleTransition,
    MLModel,
    StackEntry,
    StackVersion,
    TransitionError,
)

IMPORT_NOTE = "Imported from a stack file."
CHUNK = 500  # ids per `IN (...)`, within every database's limit on query parameters
STALE = ("the stack changed while the file was being checked ({}); nothing was changed: "
         "check the file again and apply it")
# What people's own use writes to a row, which no check of a file reads.
NOT_CHECKED = {"password", "last_login", "date_joined"}


@functools.cache
def checked_fields(model) -> tuple[str, ...]:
    """The fields of a row that checking a file reads and applying it writes: those people edit
    (a probe's credential too), not what runs and log-ins write (a probe's results)."""
    names = [f.attname for f in model._meta.concrete_fields
             if f.editable and not f.primary_key and f.name not in NOT_CHECKED]
    return (*names, "credential_token") if model is Probe else tuple(names)


def state(row) -> tuple:
    """The row as checking read it."""
    return tuple(getattr(row, name) for name in checked_fields(type(row)))


@dataclass
class Step:
    """What applying does for one record that adds or changes something."""

    instance: models.Model
    added: bool
    fields: set[str] = field(default_factory=set)  # the model fields a change writes
    links: dict[str, list] = field(default_factory=dict)  # many-to-many field -> the whole new set
    checked: tuple | None = None  # the changed row as checking read it (state)
    role: str | None = None  # a person's new role
    status_from: str | None = None  # a pain point's status before, when the import sets it
    move: tuple | None = None  # a stack entry's (target lifecycle, form, record)
    probe: Probe | None = None  # a probe to save
    probe_checked: tuple | None = None  # a stored probe as checking read it
    channels: list[Channel] | None = None  # a team's whole new set of channels, when the file gives it
    channels_checked: tuple = ()  # the team's stored channels as checking read them (channel_states)


def apply(steps: dict, *, by, now) -> str:
    """Apply the steps of a checked file; '' once committed, else why nothing was."""
    try:
        with transaction.atomic(), changes.one_change():
            meanwhile = changed_meanwhile(steps)
            if meanwhile:
                return STALE.format(meanwhile)
            write(Category, steps["categories"])
            write(Tool, steps["tools"])
            link(Tool, "categories", steps["tools"])
            write(Team, steps["teams"])
            set_channels(steps["teams"])
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
            apply_acceptances(steps["accepted_findings"], by=by, now=now)
            write(DiscoverySource, steps["discovery"])
    except TransitionError as error:
        return STALE.format(f"a move is refused now: {error}")
    except (IntegrityError, ObjectDoesNotExist):
        return STALE.format("a record it adds or names was added or removed meanwhile")
    return ""


def changed_meanwhile(steps: dict) -> str:
    """Which row the file changes was changed or removed since it was checked ('' if none),
    each locked until the import commits: the checks held for the rows as they were read."""
    checked = defaultdict(dict)
    for section in steps.values():
        for step in section:
            if not step.added:
                checked[type(step.instance)][step.instance.pk] = (step.checked, step.instance)
            if step.probe is not None and step.probe.pk is not None:
                checked[Probe][step.probe.pk] = (step.probe_checked, step.probe)
    teams = {step.instance.pk: step for step in steps.get("teams", []) if step.channels is not None and not step.added}
    if teams:
        stored = defaultdict(list)
        for channel in Channel.objects.select_for_update().filter(team__in=list(teams)).order_by("pk"):
            stored[channel.team_id].append(channel)
        for pk, step in teams.items():
            if channel_states(stored[pk]) != step.channels_checked:
                return f"the channels of team {step.instance} were changed meanwhile"
    for model, rows in checked.items():
        pks = list(rows)
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start:start + CHUNK]
            found = model.objects.select_for_update().filter(pk__in=chunk).values_list("pk", *checked_fields(model))
            now = {pk: tuple(values) for pk, *values in found}
            for pk in chunk:
                before, instance = rows[pk]
                if now.get(pk) != before:
                    what = "removed" if pk not in now else "changed"
                    return f"{model._meta.verbose_name} {instance} was {what} meanwhile"
    return ""


def channel_states(channels) -> tuple:
    """A team's channels as checking reads them, to tell whether they changed meanwhile."""
    return tuple((c.pk, c.url_token, c.url_env) for c in sorted(channels, key=lambda c: c.pk))


def set_channels(steps: list) -> None:
    """Each team the file gives `notify:` has exactly those channels: the others are removed,
    new ones added, and those whose URL the environment changed saved."""
    for step in steps:
        if step.channels is None:
            continue
        Channel.objects.filter(team=step.instance).exclude(pk__in=[c.pk for c in step.channels if c.pk]).delete()
        for channel in step.channels:
            channel.team = step.instance
            if channel.pk is None or getattr(channel, "changed", False):
                channel.save()


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
            probe, added = step.probe, step.probe.pk is None
            probe.entry = step.instance
            # What the file sets; never the results of its runs, which go on meanwhile.
            probe.save(update_fields=None if added else checked_fields(Probe))


def apply_acceptances(steps: list, *, by, now) -> None:
    """Accepted findings, stored as the findings page stores them, each then covering its findings."""
    if not steps:
        return
    for step in steps:
        step.instance.accepted_by, step.instance.accepted_at = by, now
        step.fields |= {"accepted_by", "accepted_at"}
    Finding.lock()
    write(Acceptance, steps)
    acceptances.cover([step.instance for step in steps])
    transaction.on_commit(StackVersion.bump)


def arrivals_followed(steps: list, *, by, now) -> None:
    """The pain points each new entry answers follow it, as StackEntry.pain_points_follow has
    them follow (PAIN_POINTS_FOLLOW): for every new entry at once, in the file's order."""
    followed, history = defaultdict(set), []
    answered = {pain.pk for step in steps if step.added for pain in step.links.get("pain_points", [])}
    statuses = dict(PainPoint.objects.filter(pk__in=answered).values_list("pk", "status"))  # as they are now
    for step in steps:
        entry = step.instance
        if not step.added or entry.lifecycle not in PAIN_POINTS_FOLLOW:
            continue
        before, after = PAIN_POINTS_FOLLOW[entry.lifecycle]
        note = f"{entry.tool} is {Lifecycle(entry.lifecycle).label.lower()}."
        for pain in step.links.get("pain_points", []):
            status = statuses.get(pain.pk, pain.status)  # a pain point the file adds: as planned
            if status in before:
                history.append(StatusChange(pain_point=pain, from_status=status, to_status=after, by=by, at=now,
                                            note=note))
                pain.status = statuses[pain.pk] = after
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
