"""The stack linter: one function per rule code, each a rule of the seed applied to the stack.

Findings are computed from what is stored, never typed in. `lint()` loads the stack once
(a fixed handful of queries, whatever its size) and runs every rule over it; a background run
keeps what it finds in the findings table for the pages to read (`services.refresh`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

from apps.discovery.models import DiscoveredTool
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
        if probe is not None and probe.is_failing and not probe.demo:
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


def unregistered(stack: Stack):
    """Tools a discovery source found in use that the stack does not know, one finding per
    category (a tool's first) naming them; a tool of no category has its row on the
    discovered tools page alone."""
    found_by: dict = {}
    discovered = DiscoveredTool.objects.unregistered().select_related("tool", "source").prefetch_related("tool__categories")
    for discovery in discovered.order_by("tool__name", "source__name"):
        category = next(iter(discovery.tool.categories.all()), None)
        if category is not None:
            found_by.setdefault(category, {}).setdefault(discovery.tool, []).append(discovery.source.name)
    for category, tools in found_by.items():
        names = "; ".join(f"{tool} (found by {', '.join(sources)})" for tool, sources in list(tools.items())[:NAMED])
        if len(tools) > NAMED:
            names += f" and {len(tools) - NAMED} more"
        yield found(
            "unregistered",
            f"{category.name}: {names} {'is' if len(tools) == 1 else 'are'} in use but not on the stack. A tool "
            "nobody registered has no owner, no pain point and no review (rule 8).",
            category=category,
        )


# The rules of the seed the linter cites (DESIGN.md, from seed/mlops-tool-selection.txt): the help
# each finding links to.
SEED_RULES = {
    1: "Pain first. A tool is adopted only against a pain point the team can name today, not an "
       "anticipated need. A pain point records evidence (an incident, a frequency, who is hurt); one "
       "marked anticipated cannot justify an adoption.",
    3: "Minimum viable stack for the first five to ten models: one experiment tracker (not two), one "
       "model registry (MLflow's built-in suffices), one orchestrator, one serving layer (FastAPI for "
       "CPU models, Triton for GPU), monitoring (Prometheus + Grafana, plus model-quality scripts). "
       "Five components, each with a single owner.",
    4: "Everything beyond the minimum needs a named trigger: a feature store when several models share "
       "features and train/serve consistency has caused a real incident; ML CI/CD when the "
       "orchestrator's scheduling can no longer express the pipeline; a vector database when retrieval "
       "handles millions of embeddings. None is justified on day one.",
    5: "Structured evaluation: requirements from pain points (not vendor feature lists), a shortlist of "
       "two or three, about one week per tool, a representative use case implemented end to end (not "
       "documentation or demos), a decision based on what the trial surfaced: integration friction, "
       "documentation quality, operational overhead.",
    6: "Match existing infrastructure: the tool already operated competently next door wins (already on "
       "AWS: SageMaker; Airflow already runs: add ML pipelines to it). Kubernetes-native tools "
       "(Kubeflow, Seldon Core) only where Kubernetes is already in place.",
    8: "Annual review; remove what is no longer used. Abandoned tools are debt: maintenance effort, "
       "security surface, confused newcomers. Usage is measured, not remembered.",
    9: "Deployment path before training: a model without a registry entry, a serving target and a "
       "monitoring contract dies in a notebook; rollback needs a registry with lineage.",
}

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = [INFO, WARNING, ERROR]  # from the least to the most severe


@dataclass(frozen=True)
class Rule:
    check: Callable[[Stack], Iterable[Finding]]
    title: str
    severity: str
    fix: str  # what to do about a finding, in a sentence
    cites: tuple[int, ...]  # the rules of the seed it applies (SEED_RULES)
    per_category: bool = False  # one finding per category, naming its tools, however many they are
    # What an acceptance of its findings names (entry, category, pain_point): one acceptance
    # covers every finding of the rule about the same.
    accepted_by: tuple[str, ...] = ("entry",)

    @property
    def help(self) -> str:
        return "\n\n".join(f"Rule {number} of the seed. {SEED_RULES[number]}" for number in self.cites)


RULES = {
    "overlap": Rule(overlap, "Overlap in a one-tool category", ERROR,
                    "Keep one of these tools, chosen by an evaluation against the pain point, and retire the others.",
                    (3,), per_category=True, accepted_by=("category",)),
    "no-pain": Rule(no_pain, "In use without a named pain point", ERROR,
                    "Name the pain point it answers, with its evidence, in the entry's pain_points, or retire it.", (1,)),
    "anticipated-only": Rule(anticipated_only, "In use for anticipated needs only", ERROR,
                             "Link a pain point the team has today, with its evidence, or retire the tool "
                             "until the need is real.", (1,)),
    "kubernetes-without-kubernetes": Rule(kubernetes_without_kubernetes, "Kubernetes-native without Kubernetes",
                                          ERROR, "Choose a tool that runs without Kubernetes, or operate "
                                          "Kubernetes first and record it in the organisation's profile.", (6,)),
    "discontinued": Rule(discontinued, "Discontinued by its vendor", WARNING,
                         "Evaluate a maintained tool of the same category and retire this one.", (8,)),
    "no-owner": Rule(no_owner, "No owner", ERROR, "Give the entry an owner: one named person.", (3,)),
    "inactive-owner": Rule(inactive_owner, "Owner no longer active", WARNING,
                           "Hand the entry to an owner who is still here.", (3,)),
    "no-trigger": Rule(no_trigger, "Beyond the minimum stack without its trigger", WARNING,
                       "Record the pain point that triggers the category, with its evidence, or stop the "
                       "tool until it happens.", (4,), accepted_by=("entry", "category")),
    "minimum-gap": Rule(minimum_gap, "Minimum stack category missing", WARNING,
                        "Adopt one tool of the category, so every model in production has its deployment path.",
                        (3, 9), accepted_by=("category",)),
    "parallel-orchestrator": Rule(parallel_orchestrator, "Parallel orchestrator", WARNING,
                                  "Run the ML pipelines on the orchestrator the data team already runs, and "
                                  "retire this one.", (6,)),
    "stale-pain": Rule(stale_pain, "Pain point open 90 days without an evaluation", WARNING,
                       "Start an evaluation against it, or dismiss it.", (5,), accepted_by=("pain_point",)),
    "unused": Rule(unused, "Unused", WARNING, "Remove it, or record at the review why it stays.", (8,)),
    "idle": Rule(idle, "Idle", INFO, "Ask its owner whether it is still needed.", (8,)),
    "unknown": Rule(unknown, "Usage unknown", INFO, "Give the entry a probe that measures its use.", (8,)),
    "probe-failing": Rule(probe_failing, "Probe failing", WARNING,
                          "Fix the probe: its page says why it fails.", (8,)),
    "trial-overdue": Rule(trial_overdue, "Trial over its time box", WARNING,
                          "Finish the trial and record the evaluation's decision.", (5,)),
    "unregistered": Rule(unregistered, "In use but not on the stack", WARNING,
                         "Register it on the discovered tools page, with an owner, or dismiss it there with the "
                         "reason.", (8,), accepted_by=("category",)),
    "revisit-overdue": Rule(revisit_overdue, "Decision past its revisit date", WARNING,
                            "Revisit the decision: confirm it still holds, or open a new evaluation.", (8,),
                            accepted_by=("category",)),
}


# Rules about the stack as a whole rather than one entry: an entry's page leaves them out.
STACK_WIDE = {"minimum-gap", "stale-pain", "revisit-overdue", "unregistered"}


def lint(stack: Stack, *, entries_only: bool = False) -> list[Finding]:
    findings = []
    for rank, (code, rule) in enumerate(RULES.items()):
        if entries_only and code in STACK_WIDE:
            continue
        for finding in rule.check(stack):
            finding.rank = rank
            findings.append(finding)
    return findings


def by_entry(findings: list[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.entry_id is not None:
            grouped.setdefault(finding.entry_id, []).append(finding)
    return grouped
