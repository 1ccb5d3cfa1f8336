"""The evaluation workflow: shortlist, time-boxed trials, and the decision that ends it."""

from datetime import timedelta

from django.db import transaction

from apps.evaluations.models import SHORTLIST, DecisionRecord, Evaluation, Trial, TrialLogEntry
from apps.lib.markdown import markdown_text
from apps.notifications.services import notify
from apps.painpoints.models import PainPoint
from apps.stack.models import IN_USE, Lifecycle, StackEntry, Verdict
from apps.stack.services import entries_propose


class EvaluationError(ValueError):
    """A request the workflow refuses; the message says why."""


@transaction.atomic
def evaluation_start(*, title, category, use_case, pain_points, tools, by, start_on=None,
                     side_by_side=False, time_box_days=7, now) -> Evaluation:
    """Start an evaluation: each shortlisted tool's stack entry moves to evaluating and gets a
    trial, scheduled one after another or side by side."""
    if not pain_points:
        raise EvaluationError("An evaluation starts from a pain point: requirements come from what hurts, "
                              "not from vendor feature lists.")
    closed = [p.title for p in pain_points if p.status in (PainPoint.Status.ADDRESSED, PainPoint.Status.DISMISSED)]
    if closed:
        raise EvaluationError(f"Pain points already addressed or dismissed: {', '.join(closed)}.")
    anticipated = [p.title for p in pain_points if not p.named_today]
    if anticipated:
        raise EvaluationError(f"Anticipated, not felt today: {', '.join(anticipated)}. An evaluation starts "
                              "from a pain point the team can name today.")
    evaluation = Evaluation.objects.create(title=title, category=category, use_case=use_case, created_by=by, created_at=now)
    evaluation.pain_points.set(pain_points)
    shortlist(evaluation, tools=tools, by=by, start_on=start_on, side_by_side=side_by_side,
              time_box_days=time_box_days, now=now)
    return evaluation


# Entries a decision ended. Shortlisting one proposes it again, which undoes that decision: a
# lead's move (someone who may change stack entries), never an evaluator's.
ENDED = (Lifecycle.RETIRED, Lifecycle.REJECTED)


def may_revive(user) -> bool:
    """Whether `user` may shortlist a rejected or retired tool, proposing it again."""
    return bool(user) and user.has_perm("stack.change_stackentry")


def _check_shortlist(tools, category, *, by) -> None:
    """A shortlist is two or three tools of the evaluation's category, none of them in use: an
    evaluation chooses among candidates, it never re-points a tool the stack already runs. A
    rejected or retired tool is shortlisted only by someone who may propose it again."""
    low, high = SHORTLIST
    if not low <= len(tools) <= high:
        raise EvaluationError(f"A shortlist has two or three tools, not {len(tools)}: enough to compare, "
                              "few enough to implement each end to end.")
    outside = [tool.name for tool in tools if category not in tool.categories.all()]
    if outside:
        raise EvaluationError(f"Not {category.name.lower()} tools: {', '.join(outside)}. A shortlist holds "
                              "tools of the evaluation's category.")
    # Locked until the shortlist commits: the lifecycles checked here are the ones moved.
    entries = list(StackEntry.objects.select_for_update(of=("self",)).filter(tool__in=tools)
                   .select_related("tool").order_by("pk"))
    in_use = sorted(e.tool.name for e in entries if e.lifecycle in IN_USE)
    if in_use:
        raise EvaluationError(f"Already in the stack: {', '.join(in_use)}. An evaluation "
                              "chooses among candidates; a tool in use is reviewed, not re-evaluated.")
    ended = sorted((e.tool.name, e.get_lifecycle_display().lower()) for e in entries if e.lifecycle in ENDED)
    if ended and not may_revive(by):
        names = ", ".join(f"{name} ({lifecycle})" for name, lifecycle in ended)
        raise EvaluationError(f"Rejected or retired: {names}. Shortlisting one proposes it again, which "
                              "undoes an earlier decision: ask a platform lead to shortlist it.")


@transaction.atomic
def shortlist(evaluation: Evaluation, *, tools, by, start_on=None, side_by_side=False, time_box_days=7,
              now) -> list[Trial]:
    """Give an evaluation without trials (a draft, such as a review's "replace" leaves) its
    shortlist: one trial per tool, the tools' entries moved to evaluating."""
    Evaluation.objects.select_for_update().filter(pk=evaluation.pk).exists()  # one shortlist, however many submit
    evaluation.refresh_from_db(fields=["cancelled_at"])
    if evaluation.is_cancelled:
        raise EvaluationError(f"“{evaluation.title}” is cancelled.")
    if evaluation.trials.exists():
        raise EvaluationError(f"“{evaluation.title}” has its shortlist already.")
    _check_shortlist(tools, evaluation.category, by=by)
    pain_points = list(evaluation.pain_points.all())
    entries = entries_propose(tools, by=by, now=now)
    trials = []
    for position, tool in enumerate(tools):
        entry = entries[tool.pk]
        entry.pain_points.add(*pain_points)
        note = f"Shortlisted in the evaluation “{evaluation.title}”."
        if entry.lifecycle in ENDED:
            entry.move_to(Lifecycle.PROPOSED, by=by, now=now, note=note)
        if entry.lifecycle == Lifecycle.PROPOSED:
            entry.move_to(Lifecycle.EVALUATING, by=by, now=now, note=note)
        start = None
        if start_on:
            start = start_on if side_by_side else start_on + timedelta(days=time_box_days * position)
        trial = Trial(evaluation=evaluation, entry=entry, owner=by, start_on=start, time_box_days=time_box_days)
        trial.state = trial.state_on(now.date())
        trial.save()
        trials.append(trial)
    return trials


@transaction.atomic
def evaluation_cancel(evaluation: Evaluation, *, reason: str, by, now) -> Evaluation:
    """Call an evaluation off before its decision: its trials end, the candidates it put under
    evaluation go back to proposed and its pain points back to open (unless another evaluation
    still weighs them), each with the reason in its history."""
    reason = reason.strip()
    if not reason:
        raise EvaluationError("Say why the evaluation is cancelled: the reason stays in its history.")
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_cancelled:
        raise EvaluationError(f"“{evaluation.title}” is cancelled already.")
    if evaluation.decisions.filter(status=DecisionRecord.Status.ACCEPTED).exists():
        raise EvaluationError(f"“{evaluation.title}” has an accepted decision: it is over, not cancelled.")
    note = f"The evaluation “{evaluation.title}” was cancelled: {reason}"
    for trial in evaluation.trials.select_related("entry__tool"):
        if trial.entry.lifecycle == Lifecycle.EVALUATING and not _weighed_elsewhere(trial.entry, evaluation):
            trial.entry.move_to(Lifecycle.PROPOSED, by=by, now=now, note=note)
        if not trial.finished_on:
            trial_finish(trial, today=now.date())
    for pain in evaluation.pain_points.filter(status=PainPoint.Status.EVALUATING):
        if not pain.evaluations.filter(cancelled_at__isnull=True).exclude(pk=evaluation.pk).exists():
            pain.set_status(PainPoint.Status.OPEN, by=by, now=now, note=note)
    evaluation.cancelled_at, evaluation.cancelled_by, evaluation.cancel_reason = now, by, reason
    evaluation.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    return evaluation


def _weighed_elsewhere(entry: StackEntry, evaluation: Evaluation) -> bool:
    """Whether the entry is on another evaluation's shortlist that is still running."""
    return entry.trials.filter(finished_on__isnull=True, evaluation__cancelled_at__isnull=True).exclude(
        evaluation=evaluation).exists()


def trial_states_refresh(*, now) -> int:
    """Daily: move trials along the calendar and remind owners of overdue ones, once a day."""
    today = now.date()
    changed = 0
    for trial in Trial.objects.exclude(state=Trial.State.DONE).select_related("entry__tool", "owner", "evaluation"):
        state = trial.state_on(today)
        if state != trial.state:
            Trial.objects.filter(pk=trial.pk).update(state=state)
            trial.state = state
            changed += 1
        if state == Trial.State.OVERDUE:
            notify(
                key=f"trial-overdue:{trial.pk}:{today.isoformat()}",
                to=[trial.owner.email if trial.owner and trial.owner.is_active else None],
                template="trial_overdue", context={"trial": trial, "days": (today - trial.ends_on).days},
                now=now, teams=[trial.entry.team_id],
            )
    return changed


def trial_log_add(trial: Trial, *, day, text: str, by, now) -> TrialLogEntry:
    """Append one day's finding to a trial's log."""
    return TrialLogEntry.objects.create(trial=trial, day=day, text=text, author=by, created_at=now)


def trial_finish(trial: Trial, *, today) -> Trial:
    trial.finished_on = today
    trial.state = Trial.State.DONE
    trial.save(update_fields=["finished_on", "state"])
    return trial


@transaction.atomic
def decision_accept(record: DecisionRecord, *, by, now) -> DecisionRecord:
    """Accept a proposed decision: the chosen tool is adopted through the adoption gate, the
    others are rejected with their reasons, the trials end, and a superseded record says so.
    Raises TransitionError (nothing changed) when the chosen tool cannot pass the gate."""
    # The evaluation first, as cancelling locks it: an accept and a cancel run one after the other.
    evaluation = Evaluation.objects.select_for_update().get(pk=record.evaluation_id)
    record = DecisionRecord.objects.select_for_update(of=("self",)).select_related("chosen__entry__tool").get(pk=record.pk)
    if record.status != DecisionRecord.Status.PROPOSED:
        raise EvaluationError(f"Decision {record.number} is {record.get_status_display().lower()} already.")
    if evaluation.is_cancelled:
        raise EvaluationError(f"“{evaluation}” was cancelled: {evaluation.cancel_reason}")
    note = f"Decision {record.number}: {record.title}"
    if record.chosen and record.chosen.entry.lifecycle != Lifecycle.ADOPTED:
        record.chosen.entry.move_to(Lifecycle.ADOPTED, by=by, now=now, note=note)
    for trial in evaluation.trials.select_related("entry__tool"):
        if trial.pk != (record.chosen_id or 0) and trial.entry.lifecycle in (Lifecycle.PROPOSED, Lifecycle.EVALUATING):
            trial.entry.move_to(Lifecycle.REJECTED, by=by, now=now, note=f"Not chosen ({note}): {rejection_reason(trial, record)}")
        if not trial.finished_on:
            trial_finish(trial, today=now.date())
    record.status, record.accepted_at, record.accepted_by = DecisionRecord.Status.ACCEPTED, now, by
    record.save(update_fields=["status", "accepted_at", "accepted_by"])
    if record.supersedes_id:
        DecisionRecord.objects.filter(pk=record.supersedes_id).update(status=DecisionRecord.Status.SUPERSEDED)
    return record


def rejection_reason(trial: Trial, record: DecisionRecord) -> str:
    failed = [f"failed the {label.lower()} filter: {rationale}" for _, label, verdict, rationale in trial.entry.verdicts()
              if verdict == Verdict.FAIL]
    return "; ".join(failed) or record.outcome.strip().split("\n")[0]


MARKDOWN_PREFETCH = ["evaluation__pain_points", "evaluation__trials__entry__tool"]


def decision_markdown(record: DecisionRecord) -> str:
    """The record as a Markdown file (MADR-like) to commit next to code. Each pain point is
    listed once, with its evidence: a line of the context that only names one is left out.
    Whatever people typed renders as text there, never as HTML or a link."""
    evaluation = record.evaluation
    pains = list(evaluation.pain_points.all())

    def named(text: str) -> str:
        return text.strip().lstrip("-*• ").rstrip(" .;:").strip().casefold()

    titles = {named(p.title) for p in pains}
    context = "\n".join(line for line in record.context.strip().splitlines() if named(line) not in titles).strip()
    md = markdown_text
    lines = [
        f"# {record.number}. {md(record.title)}",
        "",
        f"* Status: {record.get_status_display().lower()}"
        + (f" (supersedes {record.supersedes.number})" if record.supersedes_id else ""),
        f"* Date: {(record.accepted_at or record.created_at):%Y-%m-%d}",
    ]
    if record.revisit_by:
        lines.append(f"* Revisit by: {record.revisit_by:%Y-%m-%d}")
    lines += ["", "## Context and pain points", ""] + ([md(context), ""] if context else [])
    lines += [f"* {md(p.title)}" + (f" — {md(p.evidence)}" if p.evidence else "") for p in pains]
    lines += ["", f"Representative use case: {md(evaluation.use_case.strip())}", "", "## Considered options", ""]
    for trial in evaluation.trials.all():  # callers prefetch MARKDOWN_PREFETCH
        scores = ", ".join(
            f"{label} {value}/5" for label, value in [
                ("integration", trial.integration_friction), ("documentation", trial.documentation_quality),
                ("operations", trial.operational_overhead)] if value is not None
        )
        verdicts = ", ".join(f"{label.lower()} {verdict}" for _, label, verdict, _ in trial.entry.verdicts())
        end_to_end = {True: "ran end to end", False: "did not run end to end", None: "end to end not recorded"}[trial.ran_end_to_end]
        lines.append(f"* {md(trial.entry.tool.name)}: {end_to_end}; {scores or 'not scored'}; filters: {verdicts}")
    chosen = md(record.chosen.entry.tool.name) if record.chosen else "none of the options"
    lines += ["", "## Decision outcome", "", f"Chosen: {chosen}.", "", md(record.outcome.strip()), ""]
    if record.consequences.strip():
        lines += ["## Consequences", "", md(record.consequences.strip()), ""]
    return "\n".join(lines).rstrip() + "\n"


