from django.shortcuts import render

from apps.findings.rules import RULES, lint
from apps.lib.pagination import paginate


def finding_list(request):
    """Every finding of the stack linter, grouped by rule; ?rule= narrows to one."""
    findings = lint()
    counts = {code: 0 for code in RULES}
    for finding in findings:
        counts[finding.code] += 1
    selected = request.GET.get("rule")
    if selected in RULES:
        findings = [f for f in findings if f.code == selected]
    rules = [(code, title, counts[code]) for code, (_, title) in RULES.items()]
    context = {"page": paginate(request, findings, per_page=50), "rules": rules,
               "selected": selected if selected in RULES else None}
    return render(request, "findings/finding_list.html", context)
