"""Evaluations with their shortlists and trials, the trials' daily logs (read, and added to as
the trial page does) and the decision records."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from apps.api import schemas
from apps.api.auth import reads, writes
from apps.api.errors import READ_ERRORS, WRITE_ERRORS, form_errors, not_found
from apps.api.pagination import Page
from apps.evaluations.forms import LogForm
from apps.evaluations.models import DecisionRecord, Evaluation, Trial, TrialLogEntry
from apps.evaluations.services import trial_log_add
from apps.painpoints.models import PainPoint

router = Router(tags=["evaluations"], auth=reads())


def evaluations(*, trial_owners: bool = False):
    """Evaluations with their shortlists, latest first (and the trials' owners, for one)."""
    trials = Trial.objects.select_related("entry__tool", *(["owner"] if trial_owners else []))
    return (
        Evaluation.objects.select_related("category", "created_by")
        .prefetch_related(
            Prefetch("trials", queryset=trials.order_by("start_on", "pk")),
            Prefetch("pain_points", queryset=PainPoint.objects.only("id", "title").order_by("title", "pk")),
        )
        .order_by("-created_at", "-pk")
    )


def trials():
    return Trial.objects.select_related("entry__tool", "owner")


@router.get("/evaluations/", response={200: list[schemas.Evaluation], **READ_ERRORS}, url_name="evaluation-list")
@paginate(Page)
def evaluation_list(request):
    """Evaluations, latest first, each with its shortlist."""
    return evaluations()


@router.get("/evaluations/{int:pk}/", response={200: schemas.EvaluationDetail, **READ_ERRORS},
            url_name="evaluation-detail")
def evaluation_read(request, pk: int):
    """One evaluation: its trials with their scores and the tools' filter verdicts, and its
    decision records."""
    evaluation = evaluations(trial_owners=True).prefetch_related(
        Prefetch("decisions", queryset=DecisionRecord.objects.order_by("-created_at", "-pk"))
    ).filter(pk=pk).first()
    if evaluation is None:
        raise not_found("evaluation", ["path", "pk"])
    return evaluation


def trial_or_404(pk: int) -> Trial:
    trial = trials().filter(pk=pk).first()
    if trial is None:
        raise not_found("trial", ["path", "pk"])
    return trial


@router.get("/trials/{int:pk}/", response={200: schemas.Trial, **READ_ERRORS}, url_name="trial-detail")
def trial_read(request, pk: int):
    return trial_or_404(pk)


@router.get("/trials/{int:pk}/log/", response={200: list[schemas.TrialLogEntry], **READ_ERRORS},
            url_name="trial-log-list")
@paginate(Page)
def trial_log_list(request, pk: int):
    """The trial's daily log, oldest first."""
    trial = trial_or_404(pk)
    return TrialLogEntry.objects.filter(trial=trial).select_related("author").order_by("day", "created_at", "pk")


@router.post("/trials/{int:pk}/log/", response={201: schemas.TrialLogEntry, **WRITE_ERRORS},
             auth=writes("evaluations.add_triallogentry"), url_name="trial-log")
def trial_log(request, pk: int, data: schemas.TrialLogIn):
    """Add a day's finding to the trial's log, as the trial page does."""
    trial = trial_or_404(pk)
    now = timezone.now()
    form = LogForm({"day": data.day or now.date(), "text": data.text})
    if not form.is_valid():
        raise form_errors(form)
    return Status(201, trial_log_add(trial, by=request.user, now=now, **form.cleaned_data))


def decisions():
    return DecisionRecord.objects.select_related("chosen__entry__tool").order_by("-created_at", "-pk")


@router.get("/decisions/", response={200: list[schemas.Decision], **READ_ERRORS}, url_name="decision-list")
@paginate(Page)
def decision_list(request, q: str | None = None):
    """Decision records, latest first; `q` searches their title, context and outcome."""
    found = decisions()
    if q and q.strip():
        q = q.strip()
        found = found.filter(Q(title__icontains=q) | Q(context__icontains=q) | Q(outcome__icontains=q))
    return found


@router.get("/decisions/{int:pk}/", response={200: schemas.Decision, **READ_ERRORS}, url_name="decision-detail")
def decision_read(request, pk: int):
    record = decisions().filter(pk=pk).first()
    if record is None:
        raise not_found("decision record", ["path", "pk"])
    return record
