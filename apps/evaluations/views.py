import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.evaluations.forms import (
    CancelForm,
    DecisionForm,
    EvaluationForm,
    LogForm,
    ShortlistForm,
    TrialForm,
)
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.evaluations.services import (
    MARKDOWN_PREFETCH,
    EvaluationError,
    decision_accept,
    decision_markdown,
    evaluation_cancel,
    evaluation_start,
    shortlist,
    trial_finish,
    trial_log_add,
)
from apps.lib.charts import calendar_bars
from apps.lib.htmx import wants_fragment
from apps.lib.pagination import paginate
from apps.stack.models import TransitionError

TRIALS = Prefetch("trials", queryset=Trial.objects.select_related("entry__tool", "owner"))


def evaluation_list(request):
    page = paginate(request, Evaluation.objects.select_related("category"))
    page.object_list = list(page.object_list)
    shortlists = {}  # each evaluation's trials as (tool, state, label): plain values for a plain list
    trials = Trial.objects.filter(evaluation__in=page.object_list).order_by("start_on", "id")
    for evaluation_id, tool, state in trials.values_list("evaluation_id", "entry__tool__name", "state"):
        shortlists.setdefault(evaluation_id, []).append((tool, state, Trial.State(state).label))
    for evaluation in page.object_list:
        evaluation.shortlist = shortlists.get(evaluation.pk, [])
    return render(request, "evaluations/evaluation_list.html", {"page": page})


@permission_required("evaluations.add_evaluation", raise_exception=True)
def evaluation_create(request):
    # A GET may carry what was typed so far: choosing a category fetches the form again.
    form = EvaluationForm(request.POST or None, initial=request.GET.dict(), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = evaluation_start(by=request.user, now=timezone.now(), **form.cleaned_data)
        except EvaluationError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"“{evaluation.title}” started with {evaluation.trials.count()} trials.")
            return redirect("evaluation-detail", pk=evaluation.pk)
    return render(request, "evaluations/evaluation_form.html", {"form": form})


def evaluation_detail(request, pk):
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("category", "cancelled_by").prefetch_related(TRIALS, "pain_points", "decisions"),
        pk=pk,
    )
    trials = list(evaluation.trials.all())
    form = None
    if not trials and not evaluation.is_cancelled and request.user.has_perm("evaluations.add_evaluation"):
        form = ShortlistForm(evaluation=evaluation, user=request.user)
    return render(request, "evaluations/evaluation_detail.html", {
        "evaluation": evaluation, "trials": trials, "calendar": calendar_bars(trials), "today": timezone.localdate(),
        "shortlist_form": form,
    })


@require_POST
@permission_required("evaluations.add_evaluation", raise_exception=True)
def evaluation_shortlist(request, pk):
    """A draft evaluation gets its two or three candidates."""
    evaluation = get_object_or_404(Evaluation, pk=pk)
    form = ShortlistForm(request.POST, evaluation=evaluation, user=request.user)
    if form.is_valid():
        try:
            trials = shortlist(evaluation, by=request.user, now=timezone.now(), **form.cleaned_data)
        except EvaluationError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"“{evaluation.title}” started with {len(trials)} trials.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("evaluation-detail", pk=pk)


@permission_required("evaluations.change_evaluation", raise_exception=True)
def evaluation_cancel_view(request, pk):
    """Confirm, with a reason, then call the evaluation off."""
    evaluation = get_object_or_404(Evaluation.objects.select_related("category"), pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation_cancel(evaluation, reason=form.cleaned_data["reason"], by=request.user, now=timezone.now())
        except EvaluationError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"“{evaluation.title}” is cancelled; its candidates are proposals again.")
        return redirect("evaluation-detail", pk=pk)
    return render(request, "evaluations/evaluation_cancel.html", {"evaluation": evaluation, "form": form})


def evaluation_compare(request, pk):
    """The candidates side by side; the best fit only among those that passed every filter."""
    evaluation = get_object_or_404(Evaluation, pk=pk)
    trials = list(evaluation.trials.select_related("entry__tool", "owner").prefetch_related("log", "entry__transitions"))
    passing = [t for t in trials if t.entry.passes_filters() and t.score is not None]
    best = max(passing, key=lambda t: (t.score, bool(t.ran_end_to_end)), default=None)
    return render(request, "evaluations/compare.html", {"evaluation": evaluation, "trials": trials, "best": best})


def trial_detail(request, pk):
    trial = get_object_or_404(Trial.objects.select_related("entry__tool", "owner", "evaluation"), pk=pk)
    can_edit = request.user.has_perm("evaluations.change_trial")
    form = TrialForm(request.POST or None, instance=trial) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only leads and evaluators change a trial.")
        if form.is_valid():
            saved = form.save(commit=False)
            saved.state = saved.state_on(timezone.localdate())
            saved.save()
            messages.success(request, "The trial is saved.")
            if not wants_fragment(request):
                return redirect("trial-detail", pk=pk)
    context = {"trial": trial, "form": form, "log_form": LogForm(initial={"day": timezone.localdate()}),
               "log": trial.log.select_related("author")}
    template = "evaluations/partials/trial_form.html" if wants_fragment(request) else "evaluations/trial_detail.html"
    return render(request, template, context)


@require_POST
@permission_required("evaluations.add_triallogentry", raise_exception=True)
def trial_log(request, pk):
    """Append a day's finding; htmx gets the log back, the page stays."""
    trial = get_object_or_404(Trial, pk=pk)
    form = LogForm(request.POST)
    if form.is_valid():
        trial_log_add(trial, by=request.user, now=timezone.now(), **form.cleaned_data)
        form = LogForm(initial={"day": timezone.localdate()})
    if not wants_fragment(request):
        return redirect("trial-detail", pk=pk)
    return render(request, "evaluations/partials/log.html",
                  {"trial": trial, "log": trial.log.select_related("author"), "log_form": form})


@require_POST
@permission_required("evaluations.change_trial", raise_exception=True)
def trial_done(request, pk):
    trial = get_object_or_404(Trial, pk=pk)
    trial_finish(trial, today=timezone.localdate())
    messages.success(request, f"The {trial.entry.tool} trial is done.")
    return redirect("trial-detail", pk=pk)


@permission_required("evaluations.add_decisionrecord", raise_exception=True)
def decision_create(request, pk):
    evaluation = get_object_or_404(Evaluation.objects.prefetch_related("pain_points"), pk=pk)
    if evaluation.is_cancelled:
        messages.error(request, f"“{evaluation.title}” was cancelled: it takes no decision.")
        return redirect("evaluation-detail", pk=pk)
    initial = {
        "title": f"Choose a tool for {evaluation.category.name.lower()}",
        "context": "\n".join(f"- {p.title}" for p in evaluation.pain_points.all()),
    }
    form = DecisionForm(request.POST or None, evaluation=evaluation, initial=initial)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.evaluation, record.created_by = evaluation, request.user
        record.save()
        messages.success(request, f"Decision {record.number} is proposed.")
        return redirect("decision-detail", pk=record.pk)
    return render(request, "evaluations/decision_form.html", {"form": form, "evaluation": evaluation})


def decision_list(request):
    records = DecisionRecord.objects.select_related("evaluation", "chosen__entry__tool")
    query = request.GET.get("q", "").strip()
    if query:
        records = records.filter(Q(title__icontains=query) | Q(context__icontains=query) | Q(outcome__icontains=query))
    return render(request, "evaluations/decision_list.html", {"page": paginate(request, records), "query": query})


def decision_detail(request, pk):
    record = get_object_or_404(
        DecisionRecord.objects.select_related("evaluation", "chosen__entry__tool", "supersedes", "accepted_by")
        .prefetch_related(*MARKDOWN_PREFETCH), pk=pk,
    )
    return render(request, "evaluations/decision_detail.html", {"record": record, "markdown": decision_markdown(record)})


@require_POST
@permission_required("evaluations.change_decisionrecord", raise_exception=True)
def decision_accept_view(request, pk):
    record = get_object_or_404(DecisionRecord, pk=pk)
    try:
        decision_accept(record, by=request.user, now=timezone.now())
    except TransitionError as error:
        messages.error(request, "The chosen tool cannot be adopted yet: " + " ".join(error.reasons))
    except EvaluationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Decision {record.number} is accepted.")
    return redirect("decision-detail", pk=pk)


def decision_markdown_view(request, pk):
    records = DecisionRecord.objects.select_related("evaluation", "chosen__entry__tool", "supersedes")
    record = get_object_or_404(records.prefetch_related(*MARKDOWN_PREFETCH), pk=pk)
    response = HttpResponse(decision_markdown(record), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.number}-{_slug(record.title)}.md"'
    return response


def decision_export(request):
    """Every record as Markdown, zipped: a docs/decisions folder to commit next to code."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        records = DecisionRecord.objects.select_related("evaluation", "chosen__entry__tool", "supersedes")
        for record in records.prefetch_related(*MARKDOWN_PREFETCH).order_by("pk"):
            archive.writestr(f"decisions/{record.number}-{_slug(record.title)}.md", decision_markdown(record))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="decisions.zip"'
    return response


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:60] or "decision"
