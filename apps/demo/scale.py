"""A large organisation on top of the demo one, for benchmarks: `seed_demo --scale N` adds
N teams of 20 tools each, with owners, pain points, probes, a year of daily rolled-up probe
history and 30 days of raw results, and evaluations, all written with bulk inserts; then the
two past annual reviews, opened through the review service. The names are made up and
deterministic."""

import random
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.accounts.roles import EVALUATOR, GROUP_NAMES, LEAD
from apps.catalog.models import Category, Tool
from apps.evaluations.models import Evaluation, Trial
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe, ProbeDay, ProbeResult
from apps.reviews.models import Decision, Review
from apps.reviews.services import item_decide, review_open
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry, UsageState

TOOLS_PER_TEAM = 20
# Of every 20 entries: what they are now.
LIFECYCLES = [Lifecycle.ADOPTED] * 13 + [Lifecycle.FLAGGED, Lifecycle.EVALUATING, Lifecycle.EVALUATING,
                                          Lifecycle.PROPOSED, Lifecycle.RETIRED, Lifecycle.REJECTED, Lifecycle.ADOPTED]
USAGE = [UsageState.ACTIVE] * 6 + [UsageState.IDLE, UsageState.UNUSED, UsageState.UNKNOWN]
BATCH = 5000
# What a past review saw of a tool's use, by its lifecycle that day.
PAST_USAGE = {Lifecycle.ADOPTED: UsageState.ACTIVE, Lifecycle.FLAGGED: UsageState.UNUSED}
KEPT = "Still in use"


@transaction.atomic
def grow(scale: int, *, now, password: str) -> dict:
    """Add `scale` generated teams to the demo organisation; return what was made."""
    rng = random.Random(scale)
    categories = list(Category.objects.all())
    teams = Team.objects.bulk_create(Team(name=f"Team {n:03}") for n in range(1, scale + 1))
    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(email=f"{kind}{n:03}@example.com", name=f"{kind.title()} {n:03}", team=team, password=hashed)
        for n, team in enumerate(teams, start=1) for kind in ("lead", "owner")
    )
    _roles(users)
    tools = Tool.objects.bulk_create(
        Tool(name=f"{team.name} {category.name} {k}", slug=f"t{n:03}-{category.key}-{k}", hosting="self-hosted",
             complexity="low")
        for n, team in enumerate(teams, start=1) for k, category in _slots(categories)
    )
    Through = Tool.categories.through
    Through.objects.bulk_create(
        Through(tool=tool, category=categories[i % len(categories)]) for i, tool in enumerate(tools)
    )
    owners = [u for u in users if u.email.startswith("owner")]
    pains = PainPoint.objects.bulk_create(
        PainPoint(title=f"{tool.name}: the pain it answers", category=categories[i % len(categories)],
                  evidence="Named in the weekly platform sync", team=teams[i // TOOLS_PER_TEAM],
                  anticipated=i % 9 == 0, status=PainPoint.Status.ADDRESSED,
                  created_at=now - timedelta(days=400 + i % 300))
        for i, tool in enumerate(tools)
    )
    entries = StackEntry.objects.bulk_create(
        _entry(i, tool, teams[i // TOOLS_PER_TEAM], owners[i // TOOLS_PER_TEAM], now, rng) for i, tool in enumerate(tools)
    )
    Link = StackEntry.pain_points.through
    Link.objects.bulk_create(Link(stackentry=e, painpoint=p) for e, p in zip(entries, pains, strict=True))
    LifecycleTransition.objects.bulk_create(
        LifecycleTransition(entry=e, from_lifecycle="", to_lifecycle=e.lifecycle, at=now - timedelta(days=380),
                            note="Generated") for e in entries
    )
    probes = Probe.objects.bulk_create(
        Probe(entry=e, kind="heartbeat", heartbeat_token=f"bench-{e.pk}", next_run_at=now + timedelta(minutes=i % 60),
              last_run_at=now - timedelta(minutes=30), last_ok_at=now - timedelta(minutes=30))
        for i, e in enumerate(entries)
    )
    days = _history(probes, now, rng)
    _evaluations(entries, categories, owners, now)
    return {"teams": len(teams), "entries": len(entries), "probes": len(probes), "probe days": days}


def _slots(categories):
    """The (number, category) of a team's 20 tools, round the categories."""
    return [(k // len(categories) + 1, categories[k % len(categories)]) for k in range(TOOLS_PER_TEAM)]


def _roles(users) -> None:
    groups = {role: Group.objects.get(name=name) for role, name in GROUP_NAMES.items()}
    Membership = User.groups.through
    Membership.objects.bulk_create(
        Membership(user=u, group=groups[LEAD if u.email.startswith("lead") else EVALUATOR]) for u in users
    )
    User.objects.filter(pk__in=[u.pk for u in users if u.email.startswith("lead")]).update(is_staff=True)


def _entry(i, tool, team, owner, now, rng) -> StackEntry:
    lifecycle = LIFECYCLES[i % len(LIFECYCLES)]
    usage = USAGE[i % len(USAGE)] if lifecycle in (Lifecycle.ADOPTED, Lifecycle.FLAGGED) else UsageState.UNKNOWN
    quiet = {UsageState.ACTIVE: 1, UsageState.IDLE: 60, UsageState.UNUSED: 150}.get(usage)
    return StackEntry(
        tool=tool, team=team, owner=None if i % 23 == 0 else owner, lifecycle=lifecycle,
        capability="pass", integration="pass", operational_cost="pass",
        licence_per_month=Decimal(rng.choice([0, 0, 0, 50, 200, 1200])), ops_hours_per_month=Decimal(rng.randint(0, 12)),
        usage_state=usage, usage_since=now - timedelta(days=30),
        last_activity_at=now - timedelta(days=quiet) if quiet else None,
        adopted_on=(now - timedelta(days=380)).date() if lifecycle in (Lifecycle.ADOPTED, Lifecycle.FLAGGED) else None,
        retired_on=(now - timedelta(days=100)).date() if lifecycle == Lifecycle.RETIRED else None,
    )


def rolled_up(probe, days_ago, *, now, activity, runs: int = 24) -> list[ProbeDay]:
    """The probe's daily roll-ups of the days `days_ago`, as the sweep keeps old results: each
    of `runs` runs that all worked, with `activity(days ago)`, the day's (activity count, last
    activity seen)."""
    return [
        ProbeDay(probe=probe, day=(now - timedelta(days=d)).date(), runs=runs, failures=0, activity_count=count,
                 last_activity_at=last)
        for d in days_ago for count, last in [activity(d)]
    ]


def raw_results(probe, days_ago, *, now, activity, per_day: int = 4) -> list[ProbeResult]:
    """The probe's raw results of the days `days_ago`, `per_day` runs a day that all worked,
    each reading `activity(days ago)`: (activity count, last activity seen)."""
    return [
        ProbeResult(probe=probe, run_key=at.isoformat(), at=at, ok=True, activity_count=count,
                    last_activity_at=last, latency_ms=12)
        for d in days_ago for h in range(per_day)
        for at, (count, last) in [(now - timedelta(days=d, hours=24 // per_day * h), activity(d))]
    ]


def _history(probes, now, rng) -> int:
    """A year of daily rollups and 30 days of raw results (four a day) for every probe."""
    rows = 0

    def day(days_ago):
        return rng.randint(0, 40), now - timedelta(days=days_ago)

    def run(days_ago):
        return rng.randint(0, 10), now - timedelta(days=days_ago)

    for start in range(0, len(probes), 200):
        chunk = probes[start:start + 200]
        days = [row for p in chunk for row in rolled_up(p, range(31, 366), now=now, activity=day)]
        ProbeDay.objects.bulk_create(days, batch_size=BATCH)
        raw = [row for p in chunk for row in raw_results(p, range(30), now=now, activity=run)]
        ProbeResult.objects.bulk_create(raw, batch_size=BATCH)
        rows += len(days)
    return rows


def _evaluations(entries, categories, owners, now) -> None:
    """An evaluation for each pair of candidates, both on trial, running late."""
    candidates = [(i, e) for i, e in enumerate(entries) if e.lifecycle == Lifecycle.EVALUATING]
    pairs = list(zip(candidates[::2], candidates[1::2], strict=False))
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(title=f"A better {categories[i % len(categories)].name.lower()} for {a.team.name}",
                   category=categories[i % len(categories)], use_case="The team's main pipeline, end to end.",
                   created_at=now - timedelta(days=10))
        for (i, a), _ in pairs
    )
    Trial.objects.bulk_create(
        Trial(evaluation=evaluation, entry=entry, owner=owners[i // TOOLS_PER_TEAM],
              start_on=(now - timedelta(days=9)).date(), state=Trial.State.OVERDUE)
        for evaluation, pair in zip(evaluations, pairs, strict=True) for i, entry in pair
    )


@transaction.atomic
def past_reviews(now, *, by) -> None:
    """The two annual reviews before this year's, opened and decided as the lifecycle history
    has it: each froze the stack as it stood that day, through the review's own service, and
    what each decision did is in the history already, so closing applies nothing again."""
    for years_ago in (2, 1):
        year = now.year - years_ago
        if Review.objects.filter(year=year, team__isnull=True).exists():
            continue
        held_on = date(year, now.month, min(now.day, 28))
        opened = now - timedelta(days=(timezone.localdate(now) - held_on).days, hours=2)
        review = Review.objects.create(year=year, held_on=held_on, created_by=by, created_at=opened - timedelta(days=30))
        review.attendees.set([by])
        with _as_it_stood(opened):
            review_open(review, by=by, now=opened)
        _decide_as_it_happened(review, by=by, now=opened + timedelta(hours=1))


@contextmanager
def _as_it_stood(at):
    """While the block runs, the stack as its lifecycle history says it stood at `at`: each
    entry in its lifecycle then (one not proposed yet is out of the stack, as a retired one
    is), what was adopted active, what was flagged unused, everyone still here and every tool
    still sold (the catalogue does not say since when a tool is discontinued)."""
    lifecycles = dict(
        LifecycleTransition.objects.filter(at__lt=at).order_by("entry_id", "at", "pk")
        .values_list("entry_id", "to_lifecycle")
    )
    fields = ["lifecycle", "usage_state", "last_activity_at"]
    entries = list(StackEntry.objects.only("pk", *fields))
    saved = [(entry, [getattr(entry, name) for name in fields]) for entry in entries]
    for entry in entries:
        entry.lifecycle = lifecycles.get(entry.pk, Lifecycle.RETIRED)
        entry.usage_state = PAST_USAGE.get(entry.lifecycle, UsageState.UNKNOWN)
        entry.last_activity_at = at - timedelta(days=1) if entry.usage_state == UsageState.ACTIVE else None
    StackEntry.objects.bulk_update(entries, fields, batch_size=BATCH // 10)
    gone = list(User.objects.filter(is_active=False).values_list("pk", flat=True))
    User.objects.filter(pk__in=gone).update(is_active=True)
    discontinued = list(Tool.objects.filter(discontinued=True).values_list("pk", flat=True))
    Tool.objects.filter(pk__in=discontinued).update(discontinued=False)
    yield
    for entry, values in saved:
        for name, value in zip(fields, values, strict=True):
            setattr(entry, name, value)
    StackEntry.objects.bulk_update(entries, fields, batch_size=BATCH // 10)
    User.objects.filter(pk__in=gone).update(is_active=False)
    Tool.objects.filter(pk__in=discontinued).update(discontinued=True)


def _decide_as_it_happened(review: Review, *, by, now) -> None:
    """What the lifecycle history shows each tool went on to: removed when it left the stack
    within the month, investigated when it stayed flagged, kept otherwise; then closed."""
    month = review.opened_at + timedelta(days=30)
    left = {
        t.entry_id: t for t in LifecycleTransition.objects.filter(
            at__gte=review.opened_at, at__lt=month, to_lifecycle__in=[Lifecycle.RETIRED, Lifecycle.REJECTED])
    }
    for item in review.items.filter(Q(lifecycle=Lifecycle.FLAGGED) | Q(entry_id__in=left)).select_related("owner"):
        owner = item.owner if item.owner and item.owner.is_active else by
        if item.entry_id in left:
            gone = left[item.entry_id]
            item_decide(item, decision=Decision.REMOVE, rationale=gone.note or "No longer used.", action_owner=owner,
                        due_on=gone.at.date(), by=by, now=now)
        else:
            item_decide(item, decision=Decision.INVESTIGATE, rationale="Flagged: find out whether anyone still uses it.",
                        action_owner=owner, due_on=(month + timedelta(days=30)).date(), by=by, now=now)
    review.items.filter(decision="").update(decision=Decision.KEEP, rationale=KEPT, decided_by=by, decided_at=now)
    review.status, review.closed_at, review.closed_by = Review.Status.CLOSED, now, by
    review.save(update_fields=["status", "closed_at", "closed_by"])
