"""Accepting a finding: a lead decides the stack lives with it for a while, and says why, who
answers for it and until when, as a linter's suppression keeps its reason. Until it expires the
finding is shown apart and counts nowhere; on the day it expires it counts again.

Every path that makes, changes or reads acceptances goes through here: the findings page, the
stack file's `accepted_findings:`, the admin, the linter's runs and `manage.py lint`.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.findings.models import Acceptance, Finding
from apps.findings.rules import RULES
from apps.stack.models import StackVersion

MAX_TERM = timedelta(days=366)  # an acceptance comes back by the next annual review, at most (rule 8)
SUBJECTS = {"entry": "tool", "category": "category", "pain_point": "pain point"}


def key_of(finding: Finding) -> tuple:
    """The key of the acceptance that covers `finding`: its own, of what its rule's findings
    are accepted by (an overlap by its category alone, whichever its tools)."""
    code, entry_id, pain_point_id, category_id = finding.key
    by = RULES[code].accepted_by if code in RULES else ()
    return (code, entry_id if "entry" in by else None, pain_point_id if "pain_point" in by else None,
            category_id if "category" in by else None)


def accept_url(finding: Finding) -> str:
    """The page that accepts this finding, named by its rule and what it is accepted by."""
    by = RULES[finding.code].accepted_by if finding.code in RULES else ()
    return reverse("finding-accept") + "?" + urlencode(
        {"rule": finding.code, **{name: getattr(finding, f"{name}_id") for name in by}})


def problems(*, code, entry, category, pain_point, rationale, owner, expires_on, today,
             expired_ok: bool = False, owner_kept: bool = False) -> dict[str, str]:
    """What makes these values no acceptance, by field (empty when they are one): a rule the
    linter does not have, a subject other than what the rule's findings name, no rationale, an
    owner no longer active, an expiry more than a year ahead of `today`, or not after it. A
    stack file may carry an acceptance that has expired (`expired_ok`): it is kept, and covers
    nothing; the file's findings return the day it expires, as the page's do. So may the owner
    it has stored (`owner_kept`) have left since: the file still imports."""
    errors = {}
    rule = RULES.get(code)
    if rule is None:
        errors["code"] = f"{code!r} is not one of the linter's rules: {', '.join(RULES)}"
    else:
        given = {"entry": entry, "category": category, "pain_point": pain_point}
        for name, value in given.items():
            if name in rule.accepted_by and value is None:
                errors[name] = f"required: {code} findings are accepted by their {SUBJECTS[name]}"
            elif name not in rule.accepted_by and value is not None:
                errors[name] = f"{code} findings are not accepted by their {SUBJECTS[name]}: leave it out"
    if not (rationale or "").strip():
        errors["rationale"] = "required: say why the stack lives with this finding for now"
    if owner is not None and not owner.is_active and not owner_kept:
        errors["owner"] = f"{owner} is no longer active: an accepted finding needs an owner who is still here"
    if expires_on is not None:
        if expires_on <= today and not expired_ok:
            errors["expires_on"] = f"must be after today ({today:%Y-%m-%d})"
        elif expires_on > today + MAX_TERM:
            errors["expires_on"] = (f"at most a year ahead (by {today + MAX_TERM:%Y-%m-%d}): every acceptance "
                                    "comes back by the next annual review")
    return errors


def stored_for(*, code, entry=None, category=None, pain_point=None) -> Acceptance | None:
    """The acceptance of this rule and subject, if one is stored."""
    return Acceptance.objects.filter(code=code, entry=entry, category=category, pain_point=pain_point).first()


def accept(acceptance: Acceptance, *, by, now) -> Acceptance:
    """Store a checked acceptance, new or changed, and let it cover the findings it names."""
    with transaction.atomic():
        Finding.lock()
        if acceptance.pk is None:  # one made meanwhile, for the same finding, is changed instead
            same = stored_for(code=acceptance.code, entry=acceptance.entry, category=acceptance.category,
                              pain_point=acceptance.pain_point)
            acceptance.pk = same.pk if same is not None else None
        acceptance.accepted_by, acceptance.accepted_at = by, now
        acceptance.save()
        cover([acceptance])
        transaction.on_commit(StackVersion.bump)  # the overview counts the findings that stand
    return acceptance


def cover(acceptances: list[Acceptance]) -> None:
    """Link each stored acceptance to the findings it covers, and only those."""
    for acceptance in acceptances:
        Finding.objects.filter(acceptance=acceptance).update(acceptance=None)
        by = RULES[acceptance.code].accepted_by
        covered = Finding.objects.filter(code=acceptance.code, **{name: getattr(acceptance, name) for name in by})
        covered.update(acceptance=acceptance)


def withdraw(acceptance: Acceptance) -> None:
    """The finding counts again from now."""
    with transaction.atomic():
        acceptance.delete()
        transaction.on_commit(StackVersion.bump)


def link(findings: list[Finding]) -> None:
    """Give each unsaved finding the acceptance that covers it, if one is stored."""
    by_key = {acceptance.key: acceptance for acceptance in Acceptance.objects.select_related("owner").order_by("id")}
    for finding in findings:
        finding.acceptance = by_key.get(key_of(finding))


def counted(today):
    """The findings that count on `today`, a per-category rule's once per category: what every
    count of findings shows, and what the findings page lists."""
    per_category = [code for code, rule in RULES.items() if rule.per_category]
    return Finding.objects.standing(today).one_per_category(per_category)


def count(findings: list[Finding]) -> int:
    """How many findings these are as counted: a per-category rule's once per category."""
    return len({(f.code, f.category_id) if RULES[f.code].per_category else id(f) for f in findings})


def split(findings: list[Finding], *, now) -> tuple[list[Finding], list[Finding]]:
    """(standing, accepted) on `now`'s day, once `link` has run."""
    today = timezone.localdate(now)
    accepted = [f for f in findings if f.acceptance is not None and f.acceptance.holds_on(today)]
    held = {id(f) for f in accepted}
    return [f for f in findings if id(f) not in held], accepted
