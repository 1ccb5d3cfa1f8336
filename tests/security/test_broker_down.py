"""The broker stopped, or hanging (it accepts the connection and never answers): pages still
answer within 5 seconds, "probe now" says the queue is unavailable, and an email queued by
a state change stays in the outbox for the next scheduled send."""

import os
import socket
import time
from contextlib import contextmanager
from datetime import date

import pytest
from django.conf import settings

from apps.catalog.models import Tool
from apps.celery import app
from apps.notifications.models import Notification
from apps.probes.models import Probe
from apps.reviews.models import Review
from apps.reviews.services import item_decide, review_open
from apps.stack.models import Lifecycle, StackEntry
from tests.conftest import NOW
from tests.probes.stubs import listener  # accepts, never answers: a hanging broker

PATIENCE = 5.0  # seconds a page may take with the broker gone


@contextmanager
def stopped_broker():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    yield port, None


@contextmanager
def broker_at(port: int):
    """Point the Celery app at redis://127.0.0.1:<port>, with the timeouts production uses."""
    from kombu import pools

    options = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 2, "max_retries": 0}
    assert {k: v for k, v in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() if k in options} in ({}, options)
    saved = app.conf.broker_url, app.conf.broker_transport_options, os.environ.get("CELERY_BROKER_URL")

    def fresh_connections():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    url = os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    app.conf.broker_url, app.conf.broker_transport_options = url, options
    fresh_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options, environment = saved
        if environment is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = environment
        fresh_connections()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("broker", [stopped_broker, listener], ids=["stopped", "hanging"])
def test_pages_answer_and_nothing_is_lost_without_a_broker(transactional_db, catalog, lead_client, alice, bob, broker):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)
    Probe.objects.create(entry=entry, kind="heartbeat")
    review = review_open(Review.objects.create(year=2026, held_on=date(2026, 11, 20)), by=alice, now=NOW)
    review.attendees.set([alice])
    item_decide(review.items.get(), decision="keep", rationale="In daily use", by=alice, now=NOW)

    with broker() as (port, taken), broker_at(port):
        for url in ["/", f"/stack/{entry.pk}/", "/reviews/", f"/reviews/{review.pk}/", "/findings/"]:
            response, seconds = timed(lambda url=url: lead_client.get(url))
            assert response.status_code == 200 and seconds < PATIENCE, (url, seconds)

        response, seconds = timed(lambda: lead_client.post(f"/stack/{entry.pk}/probe-now/", follow=True))
        assert seconds < PATIENCE
        assert "The background queue is not reachable" in response.content.decode()

        response, seconds = timed(lambda: lead_client.post(f"/reviews/{review.pk}/close/", follow=True))
        assert seconds < PATIENCE
        assert "is closed" in response.content.decode()

    if taken is not None:
        assert taken, "the hanging broker was never asked"
    minutes = Notification.objects.get(key=f"review-minutes:{review.pk}")
    assert minutes.sent_at is None  # waiting in the outbox for the scheduled send, not lost
