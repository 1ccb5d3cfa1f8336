"""TEMPORARY break-in probes (reviewer). Delete after use."""

from datetime import date, timedelta

import pytest
from django.test import Client

from apps.accounts.models import ApiToken, User
from apps.catalog.models import Category, Tool
from apps.findings import acceptances
from apps.findings.models import Acceptance, Finding
from apps.findings.services import entry_refresh, refresh
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.findings.test_acceptances import ACCEPTED, TWO_TRACKERS, UNTIL, accept_overlap, adopt, counted_codes

TODAY = NOW.date()


@pytest.fixture
def two_trackers(catalog, alice):
    entries = adopt("MLflow", owner=alice), adopt("Weights & Biases", owner=alice)
    refresh(now=NOW)
    return entries


def say(*args):
    print("\n### PROBE:", *args)


# ---------------------------------------------------------------- page / odd input

def test_odd_posts(lead_client, two_trackers, alice, bob, clock):
    f = Finding.objects.filter(code="overlap").first()
    url = f"/findings/{f.pk}/accept/"
    for data in [{}, {"rationale": "x", "owner": alice.pk, "expires_on": "not-a-date"},
                 {"rationale": "x", "owner": 999999, "expires_on": "2026-12-01"},
                 {"rationale": "x", "owner": "abc", "expires_on": "2026-12-01"},
                 {"rationale": "x", "owner": alice.pk, "expires_on": "99999-12-01"},
                 {"rationale": "x", "owner": alice.pk, "expires_on": "0001-01-01"},
                 {"rationale": "x" * 2_000_000, "owner": alice.pk, "expires_on": "2026-12-01"},
                 {"rationale": "\x00", "owner": alice.pk, "expires_on": "2026-12-01"},
                 ]:
        r = lead_client.post(url, data)
        say("accept post", {k: (v[:20] if isinstance(v, str) else v) for k, v in data.items()}, r.status_code)
    say("acceptances", list(Acceptance.objects.values_list("code", "expires_on")))
    say("nonexistent finding", lead_client.get("/findings/999999/accept/").status_code)
    say("nonexistent withdraw", lead_client.post("/findings/accepted/999999/withdraw/").status_code)
    say("rule= junk", lead_client.get("/findings/?rule=%00<x>").status_code,
        lead_client.get("/findings/?page=abc").status_code, lead_client.get("/findings/?page=99999").status_code)
    bob.is_active = False
    bob.save()
    r = lead_client.post(url, {"rationale": "x", "owner": bob.pk, "expires_on": "2026-12-01"})
    say("inactive owner via page", r.status_code, Acceptance.objects.filter(owner=bob).exists())


def test_htmx_and_get_as_non_lead(evaluator_client, viewer_client, client, two_trackers, alice):
    acc = accept_overlap(alice)
    f = Finding.objects.filter(code="no-pain").first()
    for name, c in [("evaluator", evaluator_client)]:
        r = c.post(f"/findings/{f.pk}/accept/", {"rationale": "x", "owner": alice.pk, "expires_on": "2026-12-01"},
                   headers={"HX-Request": "true"})
        say(name, "htmx accept", r.status_code)
        say(name, "GET withdraw", c.get(f"/findings/accepted/{acc.pk}/withdraw/").status_code)
    anon = Client()
    say("anon accept", anon.post(f"/findings/{f.pk}/accept/").status_code,
        anon.get("/findings/").status_code, anon.post(f"/findings/accepted/{acc.pk}/withdraw/").status_code)
    say("left", Acceptance.objects.count())


def test_stale_form_after_a_linter_run(lead_client, two_trackers, alice, clock):
    f = Finding.objects.filter(code="no-pain").first()
    assert lead_client.get(f"/findings/{f.pk}/accept/").status_code == 200
    # meanwhile a tool is added: the run replaces every finding
    adopt("Feast", owner=alice)
    refresh(now=NOW + timedelta(minutes=1))
    r = lead_client.post(f"/findings/{f.pk}/accept/",
                         {"rationale": "typed a long reason", "owner": alice.pk, "expires_on": "2026-12-01"})
    say("POST after run replaced findings", r.status_code, Finding.objects.filter(pk=f.pk).exists())


def test_finding_with_missing_subject(lead_client, catalog, alice, clock):
    # revisit-overdue yields entry=None when the decision record has no chosen trial (rules.py revisit_overdue)
    cat = Category.objects.get(key="experiment-tracking")
    f = Finding.objects.create(code="revisit-overdue", category=cat, entry=None, message="Decision 3 overdue",
                               found_at=NOW)
    g = lead_client.get(f"/findings/{f.pk}/accept/")
    r = lead_client.post(f"/findings/{f.pk}/accept/", {"rationale": "x", "owner": alice.pk, "expires_on": "2026-12-01"})
    say("revisit-overdue w/o entry", g.status_code, r.status_code, Acceptance.objects.count(),
        "required: revisit-overdue" in r.content.decode())
    say("list page", lead_client.get("/findings/").status_code)


# ---------------------------------------------------------------- admin

def test_admin_paths(admin_client, two_trackers, alice, bob, clock):
    cat = Category.objects.get(key="experiment-tracking")
    base = {"code": "overlap", "category": cat.pk, "rationale": "x", "owner": alice.pk, "expires_on": "2026-12-01"}
    for change in [{}, {}, {"expires_on": "2028-01-01"}, {"code": "no-owner"}, {"code": "bogus"},
                   {"expires_on": "2026-11-02"}, {"owner": ""}, {"expires_on": ""}, {"category": ""},
                   {"code": "overlap", "entry": two_trackers[0].pk}]:
        r = admin_client.post("/admin/findings/acceptance/add/", {**base, **change})
        errs = r.context["adminform"].form.errors if r.status_code == 200 and r.context else None
        say("admin add", change, r.status_code, dict(errs) if errs else "")
    say("stored", list(Acceptance.objects.values_list("pk", "code", "category__key", "expires_on")))
    bob.is_active = False
    bob.save()
    r = admin_client.post("/admin/findings/acceptance/add/", {**base, "owner": bob.pk, "category":
                                                              Category.objects.get(key="model-registry").pk})
    say("admin inactive owner", r.status_code, Acceptance.objects.filter(owner=bob).exists())


def test_duplicates_break_things(admin_client, two_trackers, alice, clock):
    cat = Category.objects.get(key="experiment-tracking")
    base = {"code": "overlap", "category": cat.pk, "rationale": "x", "owner": alice.pk, "expires_on": "2026-12-01"}
    admin_client.post("/admin/findings/acceptance/add/", base)
    admin_client.post("/admin/findings/acceptance/add/", {**base, "rationale": "y", "expires_on": "2026-11-20"})
    accs = list(Acceptance.objects.order_by("id"))
    say("duplicates stored", len(accs))
    if len(accs) < 2:
        return
    # withdraw the later one (the one covering): the earlier one still holds but covers nothing
    acceptances.withdraw(accs[1])
    say("after withdrawing one duplicate: overlap/experiment-tracking counted?",
        ("overlap", "experiment-tracking") in counted_codes(TODAY), "remaining", Acceptance.objects.count())
    admin_client.post("/admin/findings/acceptance/add/", {**base, "rationale": "z"})
    exported = export_stack()
    say("exported acceptances records", exported.count("- rule: overlap"))
    again = import_stack(exported, commit=False, now=NOW)
    say("reimport export with duplicates ok?", again.ok, again.errors[:3])


# ---------------------------------------------------------------- stack file

def test_roundtrip_with_inactive_owner(two_trackers, alice, bob, clock):
    bob.is_active = True
    bob.save()
    acc = Acceptance(code="overlap", category=Category.objects.get(key="experiment-tracking"),
                     rationale="r", owner=bob, expires_on=UNTIL)
    acceptances.accept(acc, by=alice, now=NOW)
    bob.is_active = False
    bob.save()
    exported = export_stack()
    out = import_stack(exported, commit=False, now=NOW)
    say("export->import after owner left: ok?", out.ok, out.errors[:3])
    say("still holds (counts nowhere)?", ("overlap", "experiment-tracking") not in counted_codes(TODAY))


def test_file_deactivates_owner_and_accepts(catalog, clock):
    text = TWO_TRACKERS.replace("role: lead, team: Platform}", "role: lead, team: Platform}\n"
                                "  - {email: gone@example.com, name: Gone, role: viewer, team: Platform, active: false}")
    text += ACCEPTED.replace("owner: lead@example.com", "owner: gone@example.com")
    out = import_stack(text, commit=True, now=NOW)
    say("file adds inactive user + acceptance owned by them: ok?", out.ok, out.errors[:2],
        list(Acceptance.objects.values_list("owner__email", "owner__is_active")))


def test_file_deactivates_existing_owner_and_accepts(catalog, clock):
    first = TWO_TRACKERS.replace("role: lead, team: Platform}", "role: lead, team: Platform}\n"
                                 "  - {email: gone@example.com, name: Gone, role: viewer, team: Platform}")
    assert import_stack(first, commit=True, now=NOW).ok
    second = first.replace("team: Platform}\n", "team: Platform, active: false}\n", 2).replace(
        "role: lead, team: Platform, active: false}", "role: lead, team: Platform}")
    second += ACCEPTED.replace("owner: lead@example.com", "owner: gone@example.com")
    out = import_stack(second, commit=True, now=NOW)
    say("file deactivates existing user + acceptance owned by them: ok?", out.ok, out.errors[:2],
        list(Acceptance.objects.values_list("owner__email", "owner__is_active")))


def test_file_adds_entry_and_accepts_its_finding(catalog, clock):
    text = TWO_TRACKERS + """\
  - tool: Feast
    status: adopted
    owner: lead@example.com
accepted_findings:
  - rule: no-pain
    tool: Feast
    rationale: pain point comes next sprint
    owner: lead@example.com
    expires: "2026-12-01"
"""
    out = import_stack(text, commit=True, now=NOW)
    say("adds entry + accepts its finding: ok?", out.ok, out.errors[:3])
    if out.ok:
        refresh(now=NOW + timedelta(minutes=1))
        f = Finding.objects.filter(code="no-pain", entry__tool__name="Feast")
        say("after refresh, finding covered?", [(x.acceptance_id is not None) for x in f])
        entry_refresh(StackEntry.objects.get(tool__name="Feast"), now=NOW + timedelta(minutes=2))
        say("after entry_refresh, covered?", [(x.acceptance_id is not None) for x in
                                              Finding.objects.filter(code="no-pain", entry__tool__name="Feast")])


@pytest.mark.parametrize("record", [
    "  - rule: 5\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: null\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: 5\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: [a, b]\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: [1]\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: 5\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: 2026-13-45\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: 12345\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01T10:00:00\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"1900-01-01\"\n",
    "  - rule: overlap\n    category: Experiment-Tracking\n    rationale: r\n    owner: LEAD@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: ' overlap '\n    category: ' experiment-tracking '\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n"
    "  - rule: overlap\n    category: experiment-tracking\n    rationale: r2\n    owner: lead@example.com\n    expires: \"2026-12-02\"\n",
    "  - just a string\n",
    "  - rule: stale-pain\n    pain_point: Nobody knows which model is in production\n    rationale: r\n    owner: lead@example.com\n    expires: \"2026-12-01\"\n",
])
def test_odd_stack_file_records(catalog, clock, record):
    text = TWO_TRACKERS + "accepted_findings:\n" + record
    try:
        out = import_stack(text, commit=True, now=NOW)
    except Exception as error:  # noqa
        say("CRASH", record.splitlines()[0:2], type(error).__name__, error)
        raise
    say("record", record.replace("\n", " | ")[:110], "ok" if out.ok else "refused", out.errors[:2],
        "written:", StackEntry.objects.count(), list(Acceptance.objects.values_list("code", "category__key", "expires_on")))


def test_refused_file_leaves_nothing(catalog, clock):
    text = TWO_TRACKERS + ACCEPTED.replace("owner: lead@example.com", "owner: nobody@example.com")
    out = import_stack(text, commit=True, now=NOW)
    say("refused:", out.ok, StackEntry.objects.count(), User.objects.count(), Acceptance.objects.count())


# ---------------------------------------------------------------- expiry and refreshes

def test_expiry_boundary_and_refreshes(two_trackers, alice, clock, lead_client):
    accept_overlap(alice, until=date(2026, 11, 3))
    say("day before expiry counted?", ("overlap", "experiment-tracking") in counted_codes(date(2026, 11, 2)))
    refresh(now=NOW + timedelta(hours=1))
    entry_refresh(two_trackers[0], now=NOW + timedelta(hours=2))
    say("after refresh+entry_refresh, covered:", Finding.objects.filter(code="overlap", category__key="experiment-tracking",
                                                                           acceptance__isnull=False).count())
    clock.move_to("2026-11-03T00:00:01+00:00")
    page = lead_client.get("/findings/").content.decode()
    say("expiry day: page lists overlap ET as standing?", "Experiment tracking has 2 tools in use" in page.split('id="accepted"')[0])
    run = refresh(now=NOW + timedelta(days=1))
    say("run.findings on expiry day == counted?", run.findings, acceptances.counted(date(2026, 11, 3)).count(),
        Finding.objects.filter(code__in=[]).count())


def test_run_count_vs_counted(two_trackers, alice):
    accept_overlap(alice)
    run = refresh(now=NOW + timedelta(hours=1))
    say("LinterRun.findings", run.findings, "counted (one per category)", acceptances.counted(TODAY).count(),
        "all standing", Finding.objects.standing(TODAY).count())


# ---------------------------------------------------------------- XSS

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_rationale(lead_client, two_trackers, alice, clock):
    acc = Acceptance(code="no-pain", entry=two_trackers[0], rationale=XSS, owner=alice, expires_on=UNTIL)
    acceptances.accept(acc, by=alice, now=NOW)
    for url in ["/findings/", f"/stack/{two_trackers[0].pk}/", f"/findings/accepted/{acc.pk}/withdraw/",
                "/admin/findings/acceptance/"]:
        r = lead_client.get(url)
        say("xss", url, r.status_code, "RAW" if "<script>alert" in r.content.decode() else "escaped")


# ---------------------------------------------------------------- radar

def test_radar(client, catalog, alice, clock):
    evil_tool = Tool.objects.create(name='=HYPERLINK("http://evil","x")', slug="evil",
                                    website="javascript:alert(1)")
    evil_tool2 = Tool.objects.create(name='<img src=x onerror=alert(1)>', slug="evil2")
    evil_tool3 = Tool.objects.create(name=' =1+1', slug="evil3")
    evil_tool4 = Tool.objects.create(name='\n=1+1', slug="evil4")
    custom = Category.objects.create(key="custom-cat", name="<b>Custom</b>", position=99)
    evil_tool.categories.add(custom)
    alice.name = '=cmd|"/c calc"!A0 <script>x</script>'
    alice.save()
    e = StackEntry.objects.create(tool=evil_tool, lifecycle=Lifecycle.ADOPTED, owner=alice)
    LifecycleTransition.objects.create(entry=e, to_lifecycle="proposed", at=NOW - timedelta(days=3), note="=2+2 <i>x</i>")
    StackEntry.objects.create(tool=evil_tool2, lifecycle=Lifecycle.PROPOSED)
    StackEntry.objects.create(tool=evil_tool3, lifecycle=Lifecycle.PROPOSED)
    StackEntry.objects.create(tool=evil_tool4, lifecycle=Lifecycle.PROPOSED)
    token = ApiToken.issue(name="t", by=alice)[1]
    h = {"Authorization": f"Bearer {token}"}
    r = client.get("/stack/radar.csv", headers=h)
    say("csv", r.status_code, r["Content-Type"], "\n" + r.content.decode())
    j = client.get("/stack/radar.json", headers=h)
    say("json", j.status_code, [(x["title"], x.get("links"), x["description"], x["timeline"]) for x in j.json()["entries"]])
    for hdr in [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic " + token},
                {"Authorization": "bearer " + token}, {"Authorization": "Bearer  " + token + " "}]:
        say("auth", hdr, client.get("/stack/radar.csv", headers=hdr).status_code,
            client.get("/stack/radar.json", headers=hdr).status_code)
    tok, secret = ApiToken.issue(name="x", by=alice, expires_at=NOW - timedelta(seconds=1))
    say("expired token", client.get("/stack/radar.json", headers={"Authorization": f"Bearer {secret}"}).status_code)
    tok, secret = ApiToken.issue(name="y", by=alice)
    tok.revoked_at = NOW
    tok.save()
    say("revoked token", client.get("/stack/radar.json", headers={"Authorization": f"Bearer {secret}"}).status_code)
    say("POST csv", client.post("/stack/radar.csv", headers=h).status_code)
    c = Client()
    say("viewer sees radar", c.get("/stack/radar.json").status_code)


def test_radar_lifecycle_without_transition(client, catalog, alice, clock):
    e = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.PROPOSED)
    LifecycleTransition.objects.create(entry=e, to_lifecycle="proposed", at=NOW - timedelta(days=200))
    LifecycleTransition.objects.create(entry=e, to_lifecycle="evaluating", at=NOW - timedelta(days=100))
    StackEntry.objects.filter(pk=e.pk).update(lifecycle=Lifecycle.ADOPTED, created_at=NOW - timedelta(days=300))
    client.force_login(alice)
    j = client.get("/stack/radar.json").json()
    say("timeline newest-first", j["entries"][0]["timeline"])
    say("csv", client.get("/stack/radar.csv").content.decode())
