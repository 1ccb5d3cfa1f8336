from django.core.management import call_command

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
