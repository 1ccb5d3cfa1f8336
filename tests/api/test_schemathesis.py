"""Schemathesis against the live API, from the schema it serves at /api/schema/: for every
operation it sends requests the schema allows and requests it does not (with a write token, on
the demo organisation), and every answer must be no server error, with a status code and a
content type the schema lists and a body that matches it."""

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import ApiToken, User
from apps.evaluations.models import DecisionRecord, Trial
from apps.painpoints.models import PainPoint
from apps.reviews.models import Review
from apps.stack.models import StackEntry, UsageChange
from tests.api.conftest import bearer

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12  # a operation and a mode: about 600 requests in all, well under a minute


@pytest.fixture
def demo_write_token(demo) -> str:
    lead = User.objects.get(email="lead@example.com")
    return ApiToken.issue(name="schemathesis", by=lead, scope=ApiToken.Scope.WRITE)[1]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value)
def test_the_api_keeps_to_its_schema(live_server, demo_write_token, mode):
    headers = bearer(demo_write_token)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = {}
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_it(case):
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            keeps_to_it()
        except Exception as failure:  # every operation is tried; all that fail are reported
            failures[operation.label] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())


def samples() -> dict[str, dict]:
    """Path parameters that name real things of the demo organisation, by the path's start; the
    entry with a probe gets a usage history."""
    entry = StackEntry.objects.filter(probe__isnull=False).first()
    UsageChange.objects.create(entry=entry, at=timezone.now(), from_state="unknown", to_state="active", reason="Runs seen.")
    return {
        "/api/v1/stack/": {"pk": entry.pk},
        "/api/v1/tools/": {"slug": "mlflow"},
        "/api/v1/pain-points/": {"pk": PainPoint.objects.filter(stack_entries__isnull=False).first().pk},
        "/api/v1/evaluations/": {"pk": Trial.objects.first().evaluation_id},
        "/api/v1/trials/": {"pk": Trial.objects.filter(log__isnull=False).first().pk},
        "/api/v1/decisions/": {"pk": DecisionRecord.objects.filter(chosen__isnull=False).first().pk},
        "/api/v1/reviews/": {"pk": Review.objects.filter(items__isnull=False).first().pk},
    }


def test_every_read_of_the_demo_organisation_keeps_to_the_schema(live_server, demo_write_token):
    """The generated requests above mostly name nothing; these read what the demo has."""
    headers = bearer(demo_write_token)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers)
    named = samples()
    reads = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue
        start = next((start for start in named if operation.path.startswith(start)), None)
        parameters = named[start] if start and "{" in operation.path else {}
        response = operation.Case(path_parameters=parameters).call_and_validate(
            base_url=live_server.url, headers=headers, checks=CHECKS)
        assert response.status_code == 200, operation.label
        body = response.json()
        assert body.get("items", True), f"{operation.label} lists nothing on the demo"
        reads += 1
    assert reads >= 20
