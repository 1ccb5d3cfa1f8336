"""The stack linter: one function per rule code, each a rule of the seed applied to the stack.

Findings are computed from what is stored, never typed in. `lint()` loads the stack once
(a fixed handful of queries, whatever its size) and runs every rule over it; a background run
keeps what it finds in the findings table for the pages to read (`services.refresh`).
"""

from django.utils import timezone

from apps.evaluations.models import DecisionRecord, Trial
from apps.findings.models import Finding
from apps.stack.models import IN_USE, Lifecycle, UsageState
from apps.stack.selectors import StackState as Stack

ORCHESTRATION = "pipeline-orchestration"
NAMED = 5  # tools an overlap names; the rest are counted


def found(code: str, message: str, **subject) -> Finding:
    """A finding about `entry`, `pain_point` or `category`, not yet stored."""
    return Finding(code=code, message=message, **subject)


def overlap(stack: Stack):
    for category in stack.categories:
        tools = [e for e in stack.in_use() if category in e.tool.categories.all()]
        if category.is_crowded(len(tools)):
            names = ", ".join(e.tool.name for e in tools[:NAMED])
            if len(tools) > NAMED:
                names += f" and {len(tools) - NAMED} more"
            for entry in tools:
                yield found(
                    "overlap",
                    f"{category.name} has {len(tools)} tools in use ({names}) where the minimum stack "
                    f"has {category.max_adopted}: one {category.name.lower()} tool, not two (rule 3).",
                    entry=entry, category=category,
                )


def no_pain(stack: Stack):
    for entry in stack.in_use():
        if not entry.pain_points.all():
            yield found(
                "no-pain",
                f"{entry.tool} is in use but answers no pain point: a tool is adopted only against "
                "a pain point the team can name today (rule 1).",
                entry=entry,
            )


def anticipated_only(stack: Stack):
    for entry in stack.in_use():
        pains = entry.pain_points.all()
        if pains and all(p.anticipated for p in pains):
            yield found(
                "anticipated-only",
                f"{entry.tool} answers only anticipated needs; an anticipated need never justifies "
                "a tool, only a pain the team can name today (rule 1).",
                entry=entry,
            )


def kubernetes_without_kubernetes(stack: Stack):
    if stack.profile.kubernetes_operated:
        return
    for entry in stack.entries:
        if entry.tool.kubernetes_native:
            yield found(
                "kubernetes-without-kubernetes",
                f"{entry.tool} is Kubernetes-native but the organisation does not operate "
                "Kubernetes: such tools fit only where Kubernetes is already in place (rule 6).",
                entry=entry,
            )


def discontinued(stack: Stack):
    for entry in stack.entries:
        if entry.tool.discontinued:
            yield found(
                "discontinued",
                f"{entry.tool} is discontinued by its vendor"
                + (f" ({entry.tool.discontinued_note.rstrip('.')})" if entry.tool.discontinued_note else "")
                + ": plan its removal before it becomes abandoned debt (rule 8).",
                entry=entry,
            )


def no_owner(stack: Stack):
    for entry in stack.in_use():
        if entry.owner is None:
            yield found(
                "no-owner",
                f"{entry.tool} has no owner: each component of the stack needs a single owner (rule 3).",
                entry=entry,
            )


def inactive_owner(stack: Stack):
    for entry in stack.in_use():
        if entry.owner is not None and not entry.owner.is_active:
            yield found(
                "inactive-owner",
                f"{entry.tool} is owned by {entry.owner}, who is no longer active: each component "
                "needs a single owner who is still here (rule 3).",
                entry=entry,
            )


def no_trigger(stack: Stack):
    for entry in stack.entries:
        if entry.lifecycle not in [*IN_USE, Lifecycle.EVALUATING]:
            continue
        for category in entry.tool.categories.all():
            if not category.in_minimum_stack and category.id not in stack.named_pain_categories:
                yield found(
                    "no-trigger",
                    f"{entry.tool} brings in {category.name.lower()}, which is beyond the minimum "
                    f"stack and needs its trigger: {category.trigger.rstrip('.').lower() or 'a named pain point'} "
                    "(rule 4). No pain point named today records it.",
                    entry=entry, category=category,
                )


def minimum_gap(stack: Stack):
    if not stack.models_in_production:
        return
    covered = {c.id for e in stack.in_use() for c in e.tool.categories.all()}
    for category in stack.categories:
        if category.in_minimum_stack and category.id not in covered:
            count = stack.models_in_production
            yield found(
                "minimum-gap",
                f"{count} model{'s are' if count != 1 else ' is'} in production with no "
                f"{category.name.lower()} tool in use: the minimum stack has one of each, and a model "
                "needs its deployment path (rules 3 and 9).",
                category=category,
            )


def parallel_orchestrator(stack: Stack):
    existing = stack.profile.data_orchestrator
    if existing is None:
        return
    for entry in stack.entries:
        if entry.tool_id == existing.id:
            continue
        if any(c.key == ORCHESTRATION for c in entry.tool.categories.all()):
            yield found(
                "parallel-orchestrator",
                f"{entry.tool} would run beside {existing}, which the data team already runs: adding "
                f"ML pipelines to {existing} is lower overhead than a parallel orchestrator (rule 6).",
                entry=entry,
            )


def stale_pain(stack: Stack):
    for pain in stack.stale_pain_points:
        days = (stack.now - pain.created_at).days
        yield found(
            "stale-pain",
            f"“{pain.title}” has been open for {days} days with no tool evaluated against it: "
            "requirements come from pain points, so evaluate or dismiss it (rule 5).",
            pain_point=pain,
        )


def unused(stack: Stack):
    for entry in stack.in_use():
        if entry.usage_state == UsageState.UNUSED:
            since = f" since {entry.last_activity_at:%-d %B %Y}" if entry.last_activity_at else ""
            yield found(
                "unused",
                f"{entry.tool} shows no activity{since}: remove what is no longer used; abandoned "
                "tools are debt (rule 8).",
                entry=entry,
            )


def idle(stack: Stack):
    for entry in stack.in_use():
        if entry.usage_state == UsageState.IDLE:
            yield found(
                "idle",
                f"{entry.tool} has been quiet since {entry.last_activity_at:%-d %B %Y}; it becomes unused "
                "if nothing happens, and the annual review removes what is unused (rule 8).",
                entry=entry,
            )


def unknown(stack: Stack):
    for entry in stack.in_use():
        probe = getattr(entry, "probe", None)
        if entry.usage_state == UsageState.UNKNOWN and not (probe and probe.is_failing):
            yield found(
                "unknown",
                f"Nobody knows whether {entry.tool} is used: usage is measured, not remembered, so "
                "give it a working probe (rule 8).",
                entry=entry,
            )


def probe_failing(stack: Stack):
    for entry in stack.in_use():
        probe = getattr(entry, "probe", None)
        if probe is not None and probe.is_failing:
            yield found(
                "probe-failing",
                f"The probe of {entry.tool} has failed {probe.consecutive_failures} time"
                f"{'s' if probe.consecutive_failures != 1 else ''} in a row; until it works its use is "
                "unknown, never taken for unused (rule 8). Its owner and the leads see why on its page.",
                entry=entry,
            )


def trial_overdue(stack: Stack):
    today = timezone.localdate(stack.now)
    running = Trial.objects.filter(finished_on__isnull=True, start_on__isnull=False).select_related("entry__tool", "evaluation")
    for trial in (t for t in running if t.state_on(today) == Trial.State.OVERDUE):
        days = (today - trial.ends_on).days
        yield found(
            "trial-overdue",
            f"The {trial.entry.tool} trial of “{trial.evaluation}” is {days} day{'s' if days != 1 else ''} over its "
            f"{trial.time_box_days}-day time box: about one week per tool, then decide (rule 5).",
            entry=trial.entry,
        )


def revisit_overdue(stack: Stack):
    records = DecisionRecord.objects.filter(
        status=DecisionRecord.Status.ACCEPTED, revisit_by__lt=timezone.localdate(stack.now)
    ).select_related("chosen__entry__tool", "evaluation__category")
    for record in records:
        yield found(
            "revisit-overdue",
            f"Decision {record.number} “{record.title}” was to be revisited by {record.revisit_by:%-d %B %Y}: "
            "integration fit and upkeep drift, so check it still holds (rule 8).",
            entry=record.chosen.entry if record.chosen else None,
            category=record.evaluation.category,
        )


RULES = {
    "overlap": (overlap, "Overlap in a one-tool category"),
    "no-pain": (no_pain, "In use without a named pain point"),
    "anticipated-only": (anticipated_only, "In use for anticipated needs only"),
    "kubernetes-without-kubernetes": (kubernetes_without_kubernetes, "Kubernetes-native without Kubernetes"),
    "discontinued": (discontinued, "Discontinued by its vendor"),
    "no-owner": (no_owner, "No owner"),
    "inactive-owner": (inactive_owner, "Owner no longer active"),
    "no-trigger": (no_trigger, "Beyond the minimum stack without its trigger"),
    "minimum-gap": (minimum_gap, "Minimum stack category missing"),
    "parallel-orchestrator": (parallel_orchestrator, "Parallel orchestrator"),
    "stale-pain": (stale_pain, "Pain point open 90 days without an evaluation"),
    "unused": (unused, "Unused"),
    "idle": (idle, "Idle"),
    "unknown": (unknown, "Usage unknown"),
    "probe-failing": (probe_failing, "Probe failing"),
    "trial-overdue": (trial_overdue, "Trial over its time box"),
    "revisit-overdue": (revisit_overdue, "Decision past its revisit date"),
}


# Rules about the stack as a whole rather than one entry: an entry's page leaves them out.
STACK_WIDE = {"minimum-gap", "stale-pain", "revisit-overdue"}


def lint(stack: Stack, *, entries_only: bool = False) -> list[Finding]:
    findings = []
    for rank, (code, (rule, _)) in enumerate(RULES.items()):
        if entries_only and code in STACK_WIDE:
            continue
        for finding in rule(stack):
            finding.rank = rank
            findings.append(finding)
    return findings


def by_entry(findings: list[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.entry_id is not None:
            grouped.setdefault(finding.entry_id, []).append(finding)
    return grouped
