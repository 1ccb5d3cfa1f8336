from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from apps.catalog.models import Category
from apps.findings import acceptances
from apps.findings.forms import AcceptanceForm
from apps.findings.models import Acceptance, Finding, LinterRun
from apps.findings.rules import RULES
from apps.lib.pagination import paginate
from apps.painpoints.models import PainPoint
from apps.stack.models import StackEntry

ACCEPT_TERM_DAYS = 90  # what the form suggests
SUBJECT_MODELS = {"entry": StackEntry, "category": Category, "pain_point": PainPoint}


def finding_list(request):
    """The findings of the linter's last run that stand today, in rule order (?rule= narrows to
    one), and apart from them those a lead accepted."""
    today = timezone.localdate()
    standing = acceptances.counted(today)
    counts = dict(standing.order_by().values_list("code").annotate(Count("id")))
    selected = request.GET.get("rule")
    selected = selected if selected in RULES else None
    findings = standing.select_related("entry__tool", "pain_point", "category", "acceptance")
    if selected:
        findings = findings.filter(code=selected)
    page = paginate(request, findings)
    for finding in page:
        finding.rule = RULES.get(finding.code)
        finding.accept_url = acceptances.accept_url(finding)
    accepted = (Acceptance.objects.filter(expires_on__gt=today)
                .select_related("entry__tool", "pain_point", "category", "owner")
                .annotate(covers=Count("findings")))
    context = {"page": page, "rules": [(code, rule.title, counts.get(code, 0)) for code, rule in RULES.items()],
               "selected": selected, "accepted": accepted, "run": LinterRun.objects.filter(pk=1).first()}
    return render(request, "findings/finding_list.html", context)


@permission_required("findings.add_acceptance", raise_exception=True)
def finding_accept(request):
    """Accept the findings of a rule about a subject (?rule=overlap&category=3), or change the
    acceptance that covers them: a rationale, an owner and a day they count again. Named by
    rule and subject, not by a finding, since each linter run makes its findings anew."""
    rule = RULES.get(request.GET.get("rule", ""))
    if rule is None:
        raise Http404("No such rule.")
    code = request.GET["rule"]
    subject = {name: get_object_or_404(SUBJECT_MODELS[name], pk=_number(request.GET.get(name)))
               for name in rule.accepted_by}
    finding = Finding.objects.filter(code=code, **subject).select_related("entry__tool", "pain_point", "category").first()
    acceptance = acceptances.stored_for(code=code, **subject) or Acceptance(code=code, **subject)
    now = timezone.now()
    today = timezone.localdate(now)
    initial = {} if acceptance.pk else {"owner": request.user, "expires_on": today + timedelta(ACCEPT_TERM_DAYS)}
    form = AcceptanceForm(request.POST or None, instance=acceptance, initial=initial, today=today)
    if request.method == "POST" and form.is_valid():
        acceptances.accept(form.save(commit=False), by=request.user, now=now)
        messages.success(request, f"Accepted until {form.instance.expires_on:%-d %B %Y}: {rule.title.lower()} "
                                  f"for {form.instance.subject} no longer counts until then.")
        return redirect("finding-list")
    return render(request, "findings/finding_accept.html",
                  {"finding": finding, "rule": rule, "code": code, "form": form, "acceptance": acceptance})


def _number(value) -> int:
    value = value or ""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404("No such finding.")
    return int(value)


@permission_required("findings.delete_acceptance", raise_exception=True)
def acceptance_withdraw(request, pk):
    """After a confirmation, the finding counts again."""
    acceptance = get_object_or_404(Acceptance.objects.select_related("entry__tool", "pain_point", "category"), pk=pk)
    if request.method == "POST":
        acceptances.withdraw(acceptance)
        messages.success(request, f"Withdrawn: {acceptance.code} for {acceptance.subject} counts again.")
        return redirect("finding-list")
    return render(request, "findings/acceptance_withdraw.html", {"acceptance": acceptance})
