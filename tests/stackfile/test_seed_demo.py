from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, MLModel, StackEntry


def test_it_fills_an_empty_database_with_a_demo_organisation(db, capsys):
    call_command("seed_demo")
    assert "lead@example.com" in capsys.readouterr().out
    lead = User.objects.get(email="lead@example.com")
    assert lead.role == "lead" and lead.check_password("stackledger-demo")
    assert StackEntry.objects.filter(lifecycle=Lifecycle.ADOPTED).count() >= 5
    assert {e.lifecycle for e in StackEntry.objects.all()} == set(Lifecycle.values)
    assert PainPoint.objects.filter(anticipated=True).exists()
    assert MLModel.objects.filter(stage="production").count() == 2
    mlflow = StackEntry.objects.get(tool__name="MLflow")
    assert [s.to_lifecycle for s in mlflow.transitions.all()] == ["proposed", "evaluating", "adopted"]
    assert not mlflow.adoption_blockers()


def test_it_leaves_a_database_with_people_alone(alice, capsys):
    call_command("seed_demo")
    assert "left it alone" in capsys.readouterr().out
    assert list(User.objects.values_list("email", flat=True)) == ["alice@example.com"]
    assert not StackEntry.objects.exists()


def test_it_leaves_an_organisation_alone(db, capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), StackEntry.objects.count(), PainPoint.objects.count())
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "left it alone" in out and "lead@example.com with password stackledger-demo" in out
    assert (User.objects.count(), StackEntry.objects.count(), PainPoint.objects.count()) == counts


def test_a_larger_organisation_for_benchmarks(db, capsys):
    from apps.findings.models import Finding
    from apps.probes.models import ProbeDay, ProbeResult
    from apps.reviews.models import Review

    call_command("load_catalog", verbosity=0)
    call_command("seed_demo", scale=3)
    out = capsys.readouterr().out
    assert "Scale 3: added 3 teams, 60 entries, 60 probes, 20,100 probe days" in out
    generated = StackEntry.objects.filter(team__name__startswith="Team ")
    assert generated.count() == 60 and generated.filter(lifecycle=Lifecycle.ADOPTED).count() == 42
    assert ProbeDay.objects.filter(probe__entry__in=generated).count() == 60 * 335  # a year, rolled up
    assert ProbeResult.objects.filter(probe__entry__in=generated).count() == 60 * 30 * 4  # 30 days, raw
    assert f"The linter found {Finding.objects.count():,} findings" in out and Finding.objects.exists()
    year = timezone.now().year
    assert list(Review.objects.values_list("year", "status")) == [(year - 1, "closed"), (year - 2, "closed")]
    assert Review.objects.first().items.count() == StackEntry.objects.exclude(lifecycle="proposed").count()
    assert User.objects.get(email="lead001@example.com").role == "lead"


def test_the_benchmark_asks_for_postgresql(db):
    import pytest
    from django.core.management.base import CommandError
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("runs on PostgreSQL here")
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("bench")
