from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from apps.accounts.roles import is_owner_or_lead
from apps.catalog.models import Category
from apps.lib.charts import sparkline
from apps.lib.htmx import wants_fragment
from apps.lib.pagination import paginate
from apps.reviews.dashboard import frozen_evidence, review_dashboard
from apps.reviews.forms import DecisionForm, ReviewForm
from apps.reviews.models import Review, ReviewItem, Task
from apps.reviews.services import (
    RISK_LABELS,
    ReviewError,
    item_decide,
    keep_healthy,
    minutes_markdown,
    review_close,
    review_open,
    teams_reviewed,
)
from apps.stack.forms import FilterVerdictForm
from apps.stack.models import FILTERS
from apps.stack.services import filter_record


def review_list(request):
    page = paginate(request, Review.objects.select_related("team", "chair").order_by("-year", "team__name"))
    reviews = list(page.object_list)
    # Counted per review in two grouped queries (one join would multiply items by attendees).
    items = (ReviewItem.objects.filter(review__in=reviews).values("review").order_by()
             .annotate(tools=Count("pk"), decided=Count("pk", filter=~Q(decision=""))))
    counts = {row["review"]: row for row in items}
    people = dict(Review.attendees.through.objects.filter(review__in=reviews).values("review").order_by()
                  .annotate(n=Count("pk")).values_list("review", "n"))
    for review in reviews:
        review.tools = counts.get(review.pk, {}).get("tools", 0)
        review.decided = counts.get(review.pk, {}).get("decided", 0)
        review.people = people.get(review.pk, 0)
    open_tasks = Task.objects.filter(done_on__isnull=True).select_related("entry__tool", "owner")
    return render(request, "reviews/review_list.html", {
        "page": page, "reviews": reviews, "tasks": open_tasks[:20],
    })


@permission_required("reviews.add_review", raise_exception=True)
def review_schedule(request):
    form = ReviewForm(request.POST or None, today=timezone.localdate(), by=request.user)
    if request.method == "POST" and form.is_valid():
        review = form.save(commit=False)
        review.created_by = request.user
        review.save()
        form.save_m2m()
        reminded = f"{review.chair} is" if review.team_id else "leads are"
        messages.success(request, f"{review} is scheduled for {review.held_on:%-d %B %Y}, chaired by {review.chair}; "
                         f"{reminded} reminded 14 days and 1 day before.")
        return redirect("review-detail", pk=review.pk)
    return render(request, "reviews/review_schedule.html", {"form": form})


BAND_ROWS = 10  # rows of each agenda band on the review page; the rest a click away


def review_detail(request, pk):
    """The dashboard and the agenda by band, read from the frozen evidence; only the rows shown
    are loaded."""
    review = get_object_or_404(Review.objects.select_related("previous", "closed_by", "team", "chair"), pk=pk)
    context = {"review": review, "attendees": list(review.attendees.all()), "total": 0,
               "teams_reviewed": teams_reviewed(review.year) if review.team_id is None else []}
    if review.opened_at is None:
        return render(request, "reviews/review_detail.html", context)
    evidence = frozen_evidence(review)
    bands = evidence.bands
    band = request.GET.get("band")
    if band:
        bands = [(label, ids) for label, ids in bands if slugify(label) == band]
        if not bands:
            raise Http404("No such band on this agenda")
        context["band_page"] = page = paginate(request, bands[0][1], per_page=50)
        shown = {bands[0][0]: list(page.object_list)}
    else:
        shown = {label: ids[:BAND_ROWS] for label, ids in bands}
    items = review.items.select_related("action_owner", "evaluation").in_bulk(
        [pk for ids in shown.values() for pk in ids]
    )
    context.update({
        "total": len(evidence.rows),
        "decided": review.items.exclude(decision="").count(),
        "bands": [(label, len(ids), [items[pk] for pk in shown[label]]) for label, ids in bands],
        "band_limit": BAND_ROWS,
    })
    if evidence.rows:
        context["dashboard"] = review_dashboard(review, list(Category.objects.all()))
        context["tasks"] = list(Task.objects.filter(item__review=review).select_related("entry__tool", "owner"))
    return render(request, "reviews/review_detail.html", context)


@require_POST
@permission_required("reviews.change_review", raise_exception=True)
def review_open_view(request, pk):
    review = get_object_or_404(Review, pk=pk)
    try:
        review = review_open(review, by=request.user, now=timezone.now())
    except ReviewError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{review} is open: the evidence on {review.items.count()} tools is frozen as of now.")
    return redirect("review-detail", pk=pk)


def _meeting_context(item: ReviewItem, **extra) -> dict:
    review = item.review
    total = review.items.count()
    decided = review.items.exclude(decision="").count()
    entry = item.entry
    filter_forms = {
        name: FilterVerdictForm(initial={"verdict": verdict, "rationale": rationale})
        for name, _, verdict, rationale in entry.verdicts()
    }
    return {
        "review": review, "item": item, "entry": entry, "total": total, "decided": decided,
        "number": item.position + 1, "trend": sparkline(item.trend, width=480, height=60) if item.trend else "",
        "filter_forms": filter_forms, "risk_labels": [RISK_LABELS[r] for r in item.risks], **extra,
    }


def _meeting_url(review_id: int, position: int) -> str:
    return reverse("review-meeting", kwargs={"pk": review_id}) + f"?n={position + 1}"


@permission_required("reviews.change_reviewitem", raise_exception=True)
def review_meeting(request, pk):
    """One tool at a time, for the projector: the evidence, the filters and the decision."""
    review = get_object_or_404(Review, pk=pk)
    if review.status == Review.Status.SCHEDULED:
        messages.info(request, "Open the review first: that freezes the evidence the meeting walks through.")
        return redirect("review-detail", pk=pk)
    try:
        number = max(int(request.GET.get("n", 1)), 1)
    except ValueError:
        number = 1
    item = (review.items.select_related("review", "entry__tool", "action_owner", "evaluation")
            .filter(position__lt=number).order_by("-position").first())
    if item is None:
        raise Http404("This review has no tools on its agenda.")
    if review.status == Review.Status.CLOSED:  # read-only: what was decided, and what it left
        context = _meeting_context(item, task=Task.objects.filter(item=item).select_related("entry__tool", "owner").first())
    else:
        context = _meeting_context(item, form=DecisionForm(instance=item, initial={"decision": item.decision or None}))
    context["previous_url"] = _meeting_url(pk, item.position - 1) if item.position else ""
    context["next_url"] = (_meeting_url(pk, item.position + 1)
                           if item.position + 1 < context["total"] else "")
    return render(request, "reviews/meeting.html", context)


@require_POST
@permission_required("reviews.change_reviewitem", raise_exception=True)
def item_decide_view(request, pk):
    item = get_object_or_404(ReviewItem.objects.select_related("review", "entry__tool"), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            item_decide(item, by=request.user, now=timezone.now(), **form.cleaned_data)
        except ReviewError as refused:
            form.add_error(None, str(refused))
    if not wants_fragment(request):
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_meeting_url(item.review_id, item.position))
    saved = form.is_valid()
    item.refresh_from_db()
    return render(request, "reviews/partials/decision.html", _meeting_context(item, form=form, saved=saved))


@require_POST
@permission_required("reviews.change_reviewitem", raise_exception=True)
@permission_required("stack.change_stackentry", raise_exception=True)
def item_filter(request, pk, name):
    """Run one adoption filter again during the meeting: integration fit and upkeep drift."""
    item = get_object_or_404(ReviewItem.objects.select_related("review", "entry__tool"), pk=pk)
    if name not in FILTERS:
        raise Http404("No such adoption filter")
    if item.review.status != Review.Status.OPEN:
        messages.error(request, f"{item.review} is {item.review.get_status_display().lower()}: its filters are run "
                                "again only while it is in progress; the entry page records a new verdict.")
        if not wants_fragment(request):
            return redirect(_meeting_url(item.review_id, item.position))
        return render(request, "reviews/partials/filters.html", _meeting_context(item))
    form = FilterVerdictForm(request.POST)
    if form.is_valid():
        filter_record(entry=item.entry, name=name, by=request.user, now=timezone.now(), **form.cleaned_data)
        item.entry.refresh_from_db()
    elif not wants_fragment(request):
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if not wants_fragment(request):
        return redirect(_meeting_url(item.review_id, item.position))
    context = _meeting_context(item)
    if not form.is_valid():
        context["filter_forms"][name] = form
    return render(request, "reviews/partials/filters.html", context)


@require_POST
@permission_required("reviews.change_reviewitem", raise_exception=True)
def review_keep_healthy(request, pk):
    review = get_object_or_404(Review, pk=pk)
    try:
        kept = keep_healthy(review, by=request.user, now=timezone.now())
    except ReviewError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{kept} healthy tool{'s' if kept != 1 else ''} kept.")
    return redirect("review-detail", pk=pk)


@permission_required("reviews.change_review", raise_exception=True)
def review_close_view(request, pk):
    """Confirm, then apply every decision and send the minutes."""
    review = get_object_or_404(Review, pk=pk)
    items = list(review.items.select_related("action_owner"))
    if request.method == "POST":
        try:
            review_close(review, by=request.user, now=timezone.now())
        except ReviewError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"{review} is closed: the decisions are applied and the minutes sent.")
            return redirect("review-detail", pk=pk)
    undecided = [item for item in items if not item.decision]
    actions = [item for item in items if item.decision and item.decision != "keep"]
    return render(request, "reviews/review_close.html", {"review": review, "undecided": undecided, "actions": actions})


def review_minutes(request, pk):
    """The minutes as a printable page (the browser's "save as PDF" gives a clean document)."""
    review = get_object_or_404(Review, pk=pk)
    items = list(review.items.select_related("action_owner", "evaluation"))
    return render(request, "reviews/minutes.html", {
        "review": review, "items": items, "attendees": list(review.attendees.all()),
        "actions": sorted((i for i in items if i.decision and i.decision != "keep"), key=lambda i: (i.due_on, i.tool_name)),
    })


def review_minutes_markdown(request, pk):
    review = get_object_or_404(Review, pk=pk)
    response = HttpResponse(minutes_markdown(review), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stack-review-{review.year}.md"'
    return response


@require_POST
def task_done(request, pk):
    """The task's owner, or a lead, marks it done."""
    task = get_object_or_404(Task, pk=pk)
    if not is_owner_or_lead(request.user, task):
        raise PermissionDenied("Only the task's owner or a lead marks it done.")
    if task.done_on is None:
        task.done_on = timezone.localdate()
        task.save(update_fields=["done_on"])
        messages.success(request, f"Done: {task.title}")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("review-list")
    return redirect(target)
