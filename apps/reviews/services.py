"""The annual review: the evidence frozen when it opens, the agenda riskiest first, the
decisions applied when it closes, and the minutes."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator

from apps.accounts.models import Team, lead_emails
from apps.discovery.models import DiscoveredTool
from apps.evaluations.models import DecisionRecord, Evaluation
from apps.findings import acceptances
from apps.findings.rules import by_entry, lint
from apps.notifications.services import notify
from apps.painpoints.models import PainPoint
from apps.probes.selectors import activity_trends
from apps.reviews.models import Decision, Review, ReviewItem, Task
from apps.stack.models import IN_USE, Lifecycle, StackEntry, TransitionError, UsageState
from apps.stack.selectors import StackState

# The agenda's order: what most needs a decision first (seed rule 8). Each risk is
# (code, label, test on an item's evidence).
RISKS = [
    ("unused", "Unused", lambda item, codes: item.lifecycle in IN_USE and item.usage_state == UsageState.UNUSED),
    ("unknown", "Usage unknown", lambda item, codes: item.lifecycle in IN_USE and item.usage_state == UsageState.UNKNOWN),
    ("ownerless", "No owner", lambda item, codes: item.owner_id is None),
    ("overlap", "Overlapping", lambda item, codes: "overlap" in codes),
    ("unjustified", "Unjustified", lambda item, codes: bool(codes & {"no-pain", "anticipated-only"})),
]
RISK_LABELS = {code: label for code, label, _ in RISKS}
REMINDER_DAYS = (14, 1)  # leads are reminded this many days before the review
HEALTHY_RATIONALE = "Healthy: in use, owned, justified by a pain point, and no finding against it."


class ReviewError(ValueError):
    """A step the review refuses; the message says why."""


# Opening: the evidence snapshot -------------------------------------------------------------

@transaction.atomic
def review_open(review: Review, *, by=None, now) -> Review:
    """Open the review: freeze the evidence of every stack entry not retired or rejected, and
    set the agenda, riskiest first. Later probe results or edits never change it."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.status != Review.Status.SCHEDULED:
        raise ReviewError(f"{locked} is {locked.get_status_display().lower()} already.")
    locked.previous = (Review.objects.exclude(pk=locked.pk).filter(opened_at__isnull=False, team=locked.team_id)
                       .order_by("-opened_at").first())
    items = evidence_snapshot(locked, now=now)
    if locked.team_id is None:
        roll_up(locked, items)
    for position, item in enumerate(sorted(items, key=agenda_key)):
        item.position = position
    ReviewItem.objects.bulk_create(items)
    unregistered = unregistered_tools() if locked.team_id is None else []
    locked.status, locked.opened_at, locked.unregistered = Review.Status.OPEN, now, unregistered
    locked.save(update_fields=["status", "opened_at", "previous", "unregistered"])
    review.refresh_from_db()
    return review


def unregistered_tools() -> list[dict]:
    """The tools discovery found in use that the stack does not know: on the agenda, to
    register or dismiss."""
    found = {}
    for discovery in DiscoveredTool.objects.unregistered().select_related("tool", "source").order_by("tool__name"):
        found.setdefault(discovery.tool.name, []).append(discovery.source.name)
    return [{"tool": tool, "found_by": sources} for tool, sources in found.items()]


def roll_up(review: Review, items: list[ReviewItem]) -> None:
    """The organisation's review takes the decisions its year's closed team reviews took: each
    applied already, when its team's review closed."""
    decided = (ReviewItem.objects.filter(review__year=review.year, review__team__isnull=False,
                                         review__status=Review.Status.CLOSED)
               .exclude(decision="").select_related("review"))
    by_entry = {item.entry_id: item for item in decided}
    for item in items:
        taken = by_entry.get(item.entry_id)
        if taken is not None:
            item.decision, item.rationale, item.decided_in = taken.decision, taken.rationale, taken.review
            item.action_owner_id, item.due_on = taken.action_owner_id, taken.due_on
            item.decided_by_id, item.decided_at = taken.decided_by_id, taken.decided_at


def teams_reviewed(year: int) -> list[tuple]:
    """(team, its review of `year` or None) for every team with a stack entry, by name."""
    reviews = {r.team_id: r for r in Review.objects.filter(year=year, team__isnull=False)}
    teams = Team.objects.filter(pk__in=teams_under_review()).order_by("name")
    return [(team, reviews.get(team.pk)) for team in teams]


def evidence_snapshot(review: Review, *, now) -> list[ReviewItem]:
    """One unsaved item per current stack entry (of the review's team, for a team's review),
    with its evidence as it stands now."""
    stack = StackState.load(now=now)  # the whole stack: an overlap is the organisation's, whoever runs the tool
    entries = [e for e in stack.entries if review.team_id is None or e.team_id == review.team_id]
    found = lint(stack, entries_only=True)
    acceptances.link(found)
    standing, accepted_findings = acceptances.split(found, now=now)
    findings, accepted_by_entry = by_entry(standing), by_entry(accepted_findings)
    probes = {e.pk: e.probe.pk for e in stack.entries if getattr(e, "probe", None)}
    trends = activity_trends(list(probes.values()), now=now)
    records = {}
    accepted = DecisionRecord.objects.filter(status=DecisionRecord.Status.ACCEPTED, chosen__entry__in=stack.entries)
    for record in accepted.select_related("chosen").order_by("accepted_at"):
        records[record.chosen.entry_id] = {"pk": record.pk, "number": record.number, "title": record.title}
    before = {}
    if review.previous:
        before = {item.entry_id: item for item in review.previous.items.select_related("owner")}
    items = []
    for entry in entries:
        codes = [{"code": f.code, "message": f.message} for f in findings.get(entry.pk, [])]
        accepted_codes = [
            {"code": f.code, "message": f.message, "rationale": f.acceptance.rationale,
             "owner": str(f.acceptance.owner), "until": f.acceptance.expires_on.isoformat()}
            for f in accepted_by_entry.get(entry.pk, [])
        ]
        item = ReviewItem(
            review=review, entry=entry, tool_name=entry.tool.name,
            category_keys=[c.key for c in entry.tool.categories.all()],
            category_names=", ".join(c.name for c in entry.tool.categories.all()),
            lifecycle=entry.lifecycle, usage_state=entry.usage_state, last_activity_at=entry.last_activity_at,
            trend=trends.get(probes.get(entry.pk), []),
            licence_per_month=entry.licence_per_month, ops_hours_per_month=entry.ops_hours_per_month,
            monthly_cost=stack.profile.monthly_cost(entry.licence_per_month, entry.ops_hours_per_month),
            owner=entry.owner, owner_name=str(entry.owner or ""),
            findings=codes, accepted_findings=accepted_codes, pain_points=[p.title for p in entry.pain_points.all()],
            decision_record=records.get(entry.pk),
        )
        item.risks = risks_of(item)
        if review.previous:
            item.changes = changes_since(before.get(entry.pk), item)
        items.append(item)
    return items


def risks_of(item: ReviewItem) -> list[str]:
    codes = {finding["code"] for finding in item.findings}
    return [code for code, _, applies in RISKS if applies(item, codes)]


# The agenda's bands, riskiest first: one a risk, then other findings, the healthy tools last.
BANDS = [*RISK_LABELS.values(), "Other findings", "Healthy"]


def band_of(risks: list[str], findings: list) -> str:
    """The band a tool sits in: its first risk (risks come in RISKS order), else whether it has
    findings."""
    return RISK_LABELS[risks[0]] if risks else ("Other findings" if findings else "Healthy")


def agenda_key(item: ReviewItem):
    """Riskiest first: by band, then within a band more risks and more cost first."""
    band = BANDS.index(band_of(item.risks, item.findings))
    return (band, -len(item.risks), -len(item.findings), -item.monthly_cost, item.tool_name.lower())


def changes_since(old: ReviewItem | None, new: ReviewItem) -> list[str]:
    """What changed for one tool between the previous review's evidence and this one's."""
    if old is None:
        return ["New since the last review."]
    changes = []
    if old.lifecycle != new.lifecycle:
        changes.append(f"Lifecycle: {Lifecycle(old.lifecycle).label.lower()} → {Lifecycle(new.lifecycle).label.lower()}.")
    if old.usage_state != new.usage_state:
        changes.append(f"Usage: {UsageState(old.usage_state).label.lower()} → {UsageState(new.usage_state).label.lower()}.")
    if (old.owner_id, old.owner_name) != (new.owner_id, new.owner_name):
        changes.append(f"Owner: {old.owner_name or 'nobody'} → {new.owner_name or 'nobody'}.")
    if old.monthly_cost != new.monthly_cost:
        changes.append(f"Cost a month: {old.monthly_cost:,.0f} → {new.monthly_cost:,.0f}.")
    if old.decision:
        changes.append(f"Last review: {Decision(old.decision).label.lower()} ({old.rationale.strip()}).")
    return changes


# The meeting --------------------------------------------------------------------------------

NEEDS_ACTION = {Decision.REPLACE, Decision.REMOVE, Decision.INVESTIGATE}


@transaction.atomic
def item_decide(item: ReviewItem, *, decision, rationale, action_owner=None, due_on=None, by, now) -> ReviewItem:
    """Record the meeting's decision on one tool; it takes effect when the review closes."""
    _require_open(item.review_id)
    decision = Decision(decision)
    if not rationale.strip():
        raise ReviewError("Say why: a decision without a rationale cannot be revisited.")
    if decision in NEEDS_ACTION and (action_owner is None or due_on is None):
        raise ReviewError(f"“{decision.label}” needs an action owner and a due date.")
    if decision == Decision.REPLACE and not item.category_keys:
        raise ReviewError(f"{item.tool_name} has no category, so no evaluation can look for its replacement.")
    item.decision, item.rationale = decision, rationale.strip()
    item.action_owner, item.due_on = action_owner, due_on
    item.decided_by, item.decided_at, item.decided_in = by, now, None  # decided here: applied when this one closes
    item.save(update_fields=["decision", "rationale", "action_owner", "due_on", "decided_by", "decided_at", "decided_in"])
    return item


def _require_open(review_id: int) -> None:
    """Hold the review while deciding: a decision cannot land on a review being closed."""
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.status != Review.Status.OPEN:
        raise ReviewError(f"{review} is {review.get_status_display().lower()}: decisions are taken while it is in progress.")


@transaction.atomic
def keep_healthy(review: Review, *, by, now) -> int:
    """Keep, in one go, every undecided tool with no risk and no finding."""
    _require_open(review.pk)
    healthy = [item.pk for item in review.items.filter(decision="") if item.is_healthy]
    return ReviewItem.objects.filter(pk__in=healthy).update(
        decision=Decision.KEEP, rationale=HEALTHY_RATIONALE, decided_by=by, decided_at=now
    )


# Closing ------------------------------------------------------------------------------------

@transaction.atomic
def review_close(review: Review, *, by, now) -> Review:
    """Apply every decision and send the minutes. Refused, with nothing changed, while a tool
    has no decision or a decision cannot be applied."""
    Review.objects.select_for_update().filter(pk=review.pk).exists()
    review.refresh_from_db()
    if review.status != Review.Status.OPEN:
        raise ReviewError(f"{review} is {review.get_status_display().lower()}: only a review in progress closes.")
    items = list(review.items.select_related("entry__tool", "action_owner").prefetch_related("entry__pain_points"))
    undecided = [item.tool_name for item in items if not item.decision]
    if undecided:
        raise ReviewError(f"{len(undecided)} tool{'s have' if len(undecided) != 1 else ' has'} no decision yet: "
                          f"{', '.join(undecided[:5])}{'…' if len(undecided) > 5 else ''}.")
    for item in items:
        if item.decided_in_id is not None:
            continue  # its team's review applied it when it closed
        if item.decision in NEEDS_ACTION and not (item.action_owner and item.action_owner.is_active and item.due_on):
            raise ReviewError(f"{item.tool_name}: “{item.get_decision_display()}” needs an active action owner and "
                              "a due date: decide it again.")
        gone = item.entry.lifecycle in (Lifecycle.RETIRED, Lifecycle.REJECTED)
        if gone and item.decision != Decision.REMOVE:
            raise ReviewError(f"{item.tool_name} is {item.entry.get_lifecycle_display().lower()} since the review "
                              f"opened, so “{item.get_decision_display().lower()}” no longer applies: decide it again.")
        try:
            APPLY[item.decision](item, by=by, now=now)
        except TransitionError as error:
            raise ReviewError(f"{item.tool_name}: {' '.join(error.reasons)}") from None
    review.status, review.closed_at, review.closed_by = Review.Status.CLOSED, now, by
    review.save(update_fields=["status", "closed_at", "closed_by"])
    recipients = [u.email for u in review.attendees.filter(is_active=True)]
    recipients += [item.action_owner.email for item in items if item.action_owner and item.action_owner.is_active]
    notify(key=f"review-minutes:{review.pk}", to=recipients, template="review_minutes",
           context={"review": review, "minutes": minutes_markdown(review)}, now=now)
    return review


def _keep(item: ReviewItem, *, by, now):
    """A flagged tool kept at the review goes back to adopted (and is left alone a while)."""
    if item.entry.lifecycle == Lifecycle.FLAGGED:
        item.entry.move_to(Lifecycle.ADOPTED, by=by, now=now, note=_note(item))


def _remove(item: ReviewItem, *, by, now):
    """A tool in use is flagged for removal on the due date; a candidate is rejected."""
    entry = item.entry
    if entry.lifecycle == Lifecycle.ADOPTED:
        entry.move_to(Lifecycle.FLAGGED, by=by, now=now, note=_note(item))
    elif entry.lifecycle in (Lifecycle.PROPOSED, Lifecycle.EVALUATING):
        entry.move_to(Lifecycle.REJECTED, by=by, now=now, note=_note(item))
        return
    if entry.lifecycle == Lifecycle.FLAGGED:
        StackEntry.objects.filter(pk=entry.pk).update(removal_planned_on=item.due_on, snoozed_until=None)


def _replace(item: ReviewItem, *, by, now):
    """A draft evaluation for the tool's category, from the pain points it answers."""
    entry = item.entry
    category = entry.tool.categories.first()
    if category is None:
        raise ReviewError(f"{item.tool_name} has no category, so no evaluation can look for its replacement.")
    evaluation = Evaluation.objects.create(
        title=f"Replace {item.tool_name}", category=category, created_by=item.action_owner or by, created_at=now,
        use_case=f"{item.rationale}\n\n(From the {item.review}; due {item.due_on:%-d %B %Y}.)",
    )
    evaluation.pain_points.set([p for p in entry.pain_points.all() if p.status != PainPoint.Status.DISMISSED])
    item.evaluation = evaluation
    item.save(update_fields=["evaluation"])


def _investigate(item: ReviewItem, *, by, now):
    # The title fits its column; the whole rationale stays on the review item the task links to.
    title = Truncator(f"Investigate {item.tool_name}: {item.rationale}").chars(Task._meta.get_field("title").max_length)
    Task.objects.create(entry=item.entry, item=item, title=title, owner=item.action_owner, due_on=item.due_on,
                        created_at=now)


def _note(item: ReviewItem) -> str:
    return f"{item.review}: {item.get_decision_display().lower()}. {item.rationale}"


APPLY = {Decision.KEEP: _keep, Decision.REMOVE: _remove, Decision.REPLACE: _replace, Decision.INVESTIGATE: _investigate}


# Minutes and reminders ------------------------------------------------------------------------

def minutes_markdown(review: Review) -> str:
    """The meeting's record: who came, what was decided on each tool, and who does what."""
    items = list(review.items.select_related("action_owner", "evaluation"))
    for item in items:
        item.risk_labels = [RISK_LABELS[r] for r in item.risks]
    actions = sorted((i for i in items if i.decision in NEEDS_ACTION), key=lambda i: (i.due_on, i.tool_name.lower()))
    text = render_to_string("reviews/minutes.md", {
        "review": review,
        "attendees": [str(user) for user in review.attendees.all()],
        "items": items,
        "counts": [(d.label, sum(1 for i in items if i.decision == d)) for d in Decision],
        "removed_cost": sum((i.monthly_cost for i in items if i.decision == Decision.REMOVE), Decimal(0)),
        "actions": actions,
    })
    return text.rstrip() + "\n"


def teams_under_review() -> list[int]:
    """The teams whose tools a review of the whole stack walks: every team with a stack entry."""
    return list(StackEntry.objects.filter(team__isnull=False).order_by().values_list("team_id", flat=True).distinct())


def review_reminders(*, now) -> int:
    """Daily: remind the leads 14 days and 1 day before a scheduled review, once each."""
    today = timezone.localdate(now)
    queued = 0
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    due_reviews = Review.objects.filter(status=Review.Status.SCHEDULED, held_on__gte=today, held_on__lte=horizon)
    for review in due_reviews.select_related("team", "chair"):
        days_left = (review.held_on - today).days
        # The reminder whose day has come is sent, even late: a review scheduled 5 days
        # ahead gets the 14-day reminder at once and the 1-day reminder on the eve.
        due = min(d for d in REMINDER_DAYS if d >= days_left)
        to = [review.chair.email] if review.team_id and review.chair and review.chair.is_active else lead_emails()
        teams = [review.team_id] if review.team_id else teams_under_review()
        if notify(key=f"review-reminder:{review.pk}:{due}", to=to, template="review_reminder",
                  context={"review": review, "days_left": days_left}, now=now, teams=teams):
            queued += 1
    return queued
