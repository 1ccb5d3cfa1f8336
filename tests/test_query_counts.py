"""The main pages cost a fixed number of queries however big the stack is."""

import pytest


@pytest.mark.parametrize("url", ["/", "/findings/", "/pain-points/", "/stack/", "/models/", "/tools/"])
def test_pages_stay_within_25_queries_with_200_entries(viewer_client, big_stack, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = viewer_client.get(url)
    assert response.status_code == 200


def test_the_entry_page_stays_within_25_queries_with_200_entries(viewer_client, big_stack, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = viewer_client.get(f"/stack/{big_stack[0].pk}/")
    assert response.status_code == 200


def test_the_big_stack_has_findings_on_the_findings_page(viewer_client, big_stack):
    page = viewer_client.get("/findings/").content.decode()
    assert "overlap" in page and "no-owner" in page
