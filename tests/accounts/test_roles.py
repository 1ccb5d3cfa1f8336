from django.contrib.auth.models import Group


def test_the_three_role_groups_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Platform lead", "Evaluator", "Viewer"}


def test_viewers_may_read_and_not_write(carol):
    assert carol.has_perm("stack.view_stackentry")
    assert carol.has_perm("painpoints.view_painpoint")
    assert not carol.has_perm("stack.add_stackentry")
    assert not carol.has_perm("painpoints.add_painpoint")


def test_evaluators_log_pain_points_and_propose_tools(bob):
    assert bob.has_perm("painpoints.add_painpoint")
    assert bob.has_perm("stack.add_stackentry")
    assert not bob.has_perm("stack.change_stackentry")


def test_leads_run_the_stack(alice):
    assert alice.has_perm("stack.change_stackentry")
    assert alice.has_perm("stack.add_mlmodel")
    assert not alice.has_perm("stack.delete_stackentry")


def test_a_user_has_one_role(alice):
    alice.set_role("viewer")
    assert alice.role == "viewer"
    assert alice.groups.count() == 1


def test_the_owner_or_a_lead_acts_on_a_tool_or_a_task_and_nobody_else(catalog, alice, bob, carol):
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.roles import is_owner_or_lead
    from apps.catalog.models import Tool
    from apps.reviews.models import Task
    from apps.stack.models import StackEntry

    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), owner=carol)
    task = Task.objects.create(entry=entry, title="Remove MLflow", owner=carol)
    for thing in (entry, task):
        assert is_owner_or_lead(carol, thing)  # a viewer who owns it
        assert is_owner_or_lead(alice, thing)  # a lead
        assert not is_owner_or_lead(bob, thing)  # an evaluator who does not
        assert not is_owner_or_lead(AnonymousUser(), thing)
    carol.is_active = False
    carol.save()
    assert not is_owner_or_lead(carol, entry)  # a departed owner
