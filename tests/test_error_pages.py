"""A wrong address, a forbidden action and an expired form each get a page of Stackledger's own."""

from django.test import Client


def test_a_missing_page_is_ours_and_names_the_address(viewer_client):
    response = viewer_client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in page and "<code>/no-such-page/</code>" in page
    assert 'href="/static/css/app.css"' in page and "Go to the overview" in page
    assert "URLconf" not in page  # never Django's list of every URL


def test_a_forbidden_action_says_why_in_the_site_layout(viewer_client, catalog):
    from apps.catalog.models import Tool
    from apps.stack.models import StackEntry

    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"))
    response = viewer_client.get(f"/stack/{entry.pk}/probe/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this" in page and "Only a lead can change a probe." in page
    assert 'href="/static/css/app.css"' in page and "Carol (viewer)" in page


def test_an_expired_form_gets_a_plain_explanation(carol):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    response = client.post("/pain-points/new/", {"title": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_a_server_error_page_of_our_own(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))  # rendered as Django does: without a request context
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "Nothing half-done was saved" in page
