from django.db.models import Count
from django.shortcuts import render

from apps.findings.models import Finding, LinterRun
from apps.findings.rules import RULES
from apps.lib.pagination import paginate


def finding_list(request):
    """The findings of the linter's last run, in rule order; ?rule= narrows to one."""
    counts = dict(Finding.objects.order_by().values_list("code").annotate(Count("id")))
    selected = request.GET.get("rule")
    selected = selected if selected in RULES else None
    findings = Finding.objects.select_related("entry__tool", "pain_point", "category")
    if selected:
        findings = findings.filter(code=selected)
    rules = [(code, rule.title, counts.get(code, 0)) for code, rule in RULES.items()]
    context = {"page": paginate(request, findings), "rules": rules, "selected": selected,
               "run": LinterRun.objects.filter(pk=1).first()}
    return render(request, "findings/finding_list.html", context)
