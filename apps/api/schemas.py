"""What the API reads and writes, as the OpenAPI schema shows it. Each schema reads a model
instance that its operation loaded with what it needs (select_related / prefetch_related), so
a page of a list costs the same few queries whatever its length."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from apps.findings.rules import RULES
from apps.painpoints import models as painpoints
from apps.stack.models import FILTERS, Lifecycle, UsageState, Verdict

LifecycleName = Literal[tuple(Lifecycle.values)]
UsageStateName = Literal[tuple(UsageState.values)]
VerdictName = Literal[tuple(Verdict.values)]
FilterName = Literal[tuple(FILTERS)]
SeverityName = Literal[tuple(painpoints.PainPoint.Severity.values)]
PainStatusName = Literal[tuple(painpoints.PainPoint.Status.values)]


# References: what a row names of another -------------------------------------------------

class CategoryRef(Schema):
    key: str
    name: str


class ToolRef(Schema):
    slug: str
    name: str


class TeamRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    email: str
    name: str


class PainPointRef(Schema):
    id: int
    title: str


class EntryRef(Schema):
    id: int
    tool: ToolRef
    lifecycle: LifecycleName


# The catalogue ---------------------------------------------------------------------------

class Category(Schema):
    key: str
    name: str
    description: str
    in_minimum_stack: bool
    max_adopted: int | None = Field(description="Adopted tools it allows before they overlap; null: no limit.")
    trigger: str = Field(description="What justifies it beyond the minimum stack.")
    unused_after_days: int | None


class Tool(Schema):
    slug: str
    name: str
    categories: list[CategoryRef]
    hosting: str
    complexity: str
    complexity_note: str
    strengths: str
    weaknesses: str
    best_for: str
    kubernetes_native: bool
    discontinued: bool
    discontinued_note: str
    website: str
    entry: EntryRef | None = Field(description="Its stack entry, if it is on the stack.")

    @staticmethod
    def resolve_entry(tool):
        return getattr(tool, "stack_entry", None)


# The stack -------------------------------------------------------------------------------

class FilterVerdict(Schema):
    filter: FilterName
    verdict: VerdictName
    rationale: str


def verdicts(entry) -> list[dict]:
    return [{"filter": field, "verdict": verdict, "rationale": rationale}
            for field, _, verdict, rationale in entry.verdicts()]


class Entry(Schema):
    """A stack entry: the organisation's use of one tool."""

    id: int
    tool: ToolRef
    categories: list[CategoryRef]
    lifecycle: LifecycleName
    owner: UserRef | None
    team: TeamRef | None
    usage_state: UsageStateName
    usage_since: datetime | None
    last_activity_at: datetime | None
    filters: list[FilterVerdict] = Field(description="The three adoption filters.")
    licence_per_month: float
    ops_hours_per_month: float
    adopted_on: date | None
    retired_on: date | None
    removal_planned_on: date | None
    pain_points: list[PainPointRef] = Field(description="The pain points it answers.")

    @staticmethod
    def resolve_categories(entry):
        return entry.tool.categories.all()

    @staticmethod
    def resolve_filters(entry):
        return verdicts(entry)


class Transition(Schema):
    from_lifecycle: str
    to_lifecycle: LifecycleName
    by: UserRef | None
    at: datetime
    note: str


class ProbeHealth(Schema):
    """How the entry's usage probe is doing (its errors' text is for the owner and leads, on
    the entry's page)."""

    kind: str
    enabled: bool
    interval_minutes: int
    last_run_at: datetime | None
    last_ok_at: datetime | None
    consecutive_failures: int


class EntryDetail(Entry):
    notes: str
    transitions: list[Transition] = Field(description="Its lifecycle, oldest first.")
    probe: ProbeHealth | None

    @staticmethod
    def resolve_probe(entry):
        return getattr(entry, "probe", None)


class UnusedAfter(Schema):
    days: int
    set_on: str = Field(description="Where the threshold is set: this entry, a category, its probe or the default.")


class Usage(Schema):
    """What the probes say of an entry's use: its state, the threshold, the probe's health and
    the activity a day over the last 90 days (null where no run succeeded), oldest first."""

    entry: int
    state: UsageStateName
    since: datetime | None
    last_activity_at: datetime | None
    unused_after: UnusedAfter
    probe: ProbeHealth | None
    failing_since: datetime | None
    trend_from: date
    trend: list[int | None]


class UsageChange(Schema):
    at: datetime
    from_state: UsageStateName
    to_state: UsageStateName
    reason: str


class MLModel(Schema):
    id: int
    name: str
    description: str
    stage: str
    team: TeamRef | None
    owner: UserRef | None
    tracker: EntryRef | None
    registry: EntryRef | None
    serving: EntryRef | None
    monitoring: EntryRef | None
    gaps: list[str] = Field(description="The links its deployment path still lacks.")


class Profile(Schema):
    cloud: str
    kubernetes_operated: bool
    data_orchestrator: ToolRef | None
    engineer_hourly_cost: float


# Pain points -----------------------------------------------------------------------------

class PainPoint(Schema):
    id: int
    title: str
    description: str
    evidence: str
    severity: SeverityName
    category: CategoryRef | None
    team: TeamRef | None
    reported_by: UserRef | None
    anticipated: bool = Field(description="Not felt today: it cannot justify a tool.")
    status: PainStatusName
    created_at: datetime
    updated_at: datetime


class StatusChange(Schema):
    from_status: str
    to_status: PainStatusName
    by: UserRef | None
    at: datetime
    note: str


class PainPointDetail(PainPoint):
    status_changes: list[StatusChange]
    stack_entries: list[EntryRef]


class PainPointIn(Schema):
    """A pain point felt today needs evidence (an incident, a frequency, who is hurt); an
    anticipated one does not, and never justifies a tool."""

    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    evidence: str = ""
    severity: SeverityName = "medium"
    category: str | None = Field(None, description="A category's key, e.g. experiment-tracking.")
    team: str | None = Field(None, description="A team's name.")
    anticipated: bool = False


# Findings --------------------------------------------------------------------------------

class Acceptance(Schema):
    rationale: str
    owner: str = Field(description="The owner's email.")
    expires_on: date = Field(description="The day the finding counts again.")

    @staticmethod
    def resolve_owner(acceptance) -> str:
        return acceptance.owner.email


class Finding(Schema):
    id: int
    code: str = Field(description="The linter rule.")
    severity: str = Field(description="error, warning or info.")
    fix: str = Field(description="What to do about it, in a sentence.")
    message: str
    entry: EntryRef | None
    pain_point: PainPointRef | None
    category: CategoryRef | None
    found_at: datetime | None
    accepted: Acceptance | None = Field(description="The acceptance it stands under; null when it counts.")

    @staticmethod
    def resolve_severity(finding) -> str:
        return RULES[finding.code].severity if finding.code in RULES else "info"

    @staticmethod
    def resolve_fix(finding) -> str:
        return RULES[finding.code].fix if finding.code in RULES else ""

    @staticmethod
    def resolve_accepted(finding):
        return finding.acceptance if finding.accepted_today else None


# Evaluations -----------------------------------------------------------------------------

class TrialSummary(Schema):
    id: int
    tool: ToolRef
    entry: int
    state: str
    start_on: date | None
    ends_on: date | None
    time_box_days: int
    finished_on: date | None

    @staticmethod
    def resolve_tool(trial):
        return trial.entry.tool

    @staticmethod
    def resolve_entry(trial):
        return trial.entry_id


class Evaluation(Schema):
    id: int
    title: str
    category: CategoryRef
    use_case: str
    pain_points: list[PainPointRef]
    created_by: UserRef | None
    created_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str
    trials: list[TrialSummary] = Field(description="The shortlist: one time-boxed trial per tool.")


class Trial(TrialSummary):
    evaluation: int
    owner: UserRef | None
    integration_friction: int | None = Field(description="1 painful to 5 smooth.")
    integration_notes: str
    documentation_quality: int | None = Field(description="1 poor to 5 excellent.")
    documentation_notes: str
    operational_overhead: int | None = Field(description="1 heavy to 5 light.")
    operational_notes: str
    ran_end_to_end: bool | None
    evidence_url: str
    score: int | None
    filters: list[FilterVerdict] = Field(description="The tool's adoption filters.")

    @staticmethod
    def resolve_evaluation(trial):
        return trial.evaluation_id

    @staticmethod
    def resolve_filters(trial):
        return verdicts(trial.entry)


class DecisionRef(Schema):
    id: int
    number: str
    title: str
    status: str


class EvaluationDetail(Evaluation):
    trials: list[Trial]
    decisions: list[DecisionRef]


class TrialLogEntry(Schema):
    id: int
    trial: int
    day: date
    author: UserRef | None
    text: str
    created_at: datetime

    @staticmethod
    def resolve_trial(entry):
        return entry.trial_id


class TrialLogIn(Schema):
    day: date | None = Field(None, description="The day the finding is about; today when left out.")
    text: str = Field(min_length=1)


class VerdictIn(Schema):
    """Every verdict but pending carries its rationale. A failed filter rejects a candidate
    and flags a tool in use for removal."""

    verdict: VerdictName
    rationale: str = ""


class Chosen(Schema):
    trial: int
    tool: ToolRef


class Decision(Schema):
    id: int
    number: str
    title: str
    evaluation: int
    status: str
    context: str
    chosen: Chosen | None = Field(description="Null: none of the shortlist is adopted.")
    outcome: str
    consequences: str
    supersedes: int | None
    revisit_by: date | None
    created_at: datetime
    accepted_at: datetime | None

    @staticmethod
    def resolve_evaluation(record):
        return record.evaluation_id

    @staticmethod
    def resolve_supersedes(record):
        return record.supersedes_id

    @staticmethod
    def resolve_chosen(record):
        if record.chosen is None:
            return None
        return {"trial": record.chosen_id, "tool": record.chosen.entry.tool}


# Reviews ---------------------------------------------------------------------------------

class Review(Schema):
    id: int
    year: int
    team: str | None = None  # a team's review; none: the organisation's
    held_on: date
    status: str
    attendees: list[UserRef]
    opened_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_team(review) -> str | None:
        return review.team.name if review.team_id else None


class ReviewItem(Schema):
    """One tool on a review's agenda: the evidence frozen when the review opened, and the
    decision the meeting took."""

    id: int
    position: int
    entry: int
    tool_name: str
    category_keys: list[str]
    lifecycle: LifecycleName
    usage_state: UsageStateName
    last_activity_at: datetime | None
    trend: list[int | None]
    licence_per_month: float
    ops_hours_per_month: float
    monthly_cost: float
    owner_name: str
    findings: list[dict[str, Any]]
    pain_points: list[Any]
    decision_record: dict[str, Any] | None
    changes: list[Any]
    risks: list[Any]
    decision: str = Field(description="keep, replace, remove or investigate; empty until decided.")
    rationale: str
    action_owner: UserRef | None
    due_on: date | None
    decided_at: datetime | None

    @staticmethod
    def resolve_entry(item):
        return item.entry_id


# Writes' answers ---------------------------------------------------------------------------

class Heartbeat(Schema):
    entry: int
    last_ping_at: datetime
