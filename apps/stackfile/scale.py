"""A large organisation on top of the demo one, for benchmarks: `seed_demo --scale N` adds
N teams of 20 tools each, with owners, pain points, probes, a year of daily rolled-up probe
history and 30 days of raw results, and evaluations; then the two past annual reviews. All
written with bulk inserts; the names are made up and deterministic."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from apps.accounts.models import Team, User
from apps.accounts.roles import EVALUATOR, GROUP_NAMES, LEAD
from apps.catalog.models import Category, Tool
from apps.evaluations.models import Evaluation, Trial
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe, ProbeDay, ProbeResult
from apps.reviews.models import Decision, Review, ReviewItem
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry, UsageState

TOOLS_PER_TEAM = 20
# Of every 20 entries: what they are now.
LIFECYCLES = [Lifecycle.ADOPTED] * 13 + [Lifecycle.FLAGGED, Lifecycle.EVALUATING, Lifecycle.EVALUATING,
                                          Lifecycle.PROPOSED, Lifecycle.RETIRED, Lifecycle.REJECTED, Lifecycle.ADOPTED]
USAGE = [UsageState.ACTIVE] * 6 + [UsageState.IDLE, UsageState.UNUSED, UsageState.UNKNOWN]
BATCH = 5000


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


def _history(probes, now, rng) -> int:
    """A year of daily rollups and 30 days of raw results (four a day) for every probe."""
    rows = 0
    for start in range(0, len(probes), 200):
        chunk = probes[start:start + 200]
        days = [
            ProbeDay(probe=p, day=(now - timedelta(days=d)).date(), runs=24, failures=0,
                     activity_count=rng.randint(0, 40), last_activity_at=now - timedelta(days=d))
            for p in chunk for d in range(31, 366)
        ]
        ProbeDay.objects.bulk_create(days, batch_size=BATCH)
        raw = [
            ProbeResult(probe=p, run_key=f"bench-{d}-{h}", at=now - timedelta(days=d, hours=6 * h), ok=True,
                        activity_count=rng.randint(0, 10), last_activity_at=now - timedelta(days=d), latency_ms=12)
            for p in chunk for d in range(30) for h in range(4)
        ]
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


def past_reviews(now) -> None:
    """The two annual reviews before this year's, closed, every tool in the stack kept."""
    entries = list(StackEntry.objects.exclude(lifecycle=Lifecycle.PROPOSED).select_related("tool").order_by("pk"))
    for years_ago in (2, 1):
        year = now.year - years_ago
        review = Review.objects.filter(year=year).first() or Review.objects.create(
            year=year, held_on=date(year, now.month, min(now.day, 28)), status=Review.Status.CLOSED,
            opened_at=now - timedelta(days=365 * years_ago), closed_at=now - timedelta(days=365 * years_ago),
        )
        ReviewItem.objects.bulk_create(
            ReviewItem(review=review, entry=e, position=n, tool_name=e.tool.name, lifecycle=Lifecycle.ADOPTED,
                       usage_state=UsageState.ACTIVE, licence_per_month=e.licence_per_month,
                       ops_hours_per_month=e.ops_hours_per_month, monthly_cost=e.licence_per_month,
                       owner_name="", decision=Decision.KEEP, rationale="In use.")
            for n, e in enumerate(entries)
        )
