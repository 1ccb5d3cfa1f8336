"""The API's callers: scripts with alice's tokens (alice leads the platform), and the cast
signed in."""

import pytest

from apps.accounts.models import ApiToken


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def read_token(alice) -> str:
    return ApiToken.issue(name="dashboard", by=alice)[1]


@pytest.fixture
def write_token(alice) -> str:
    return ApiToken.issue(name="incident bot", by=alice, scope=ApiToken.Scope.WRITE)[1]
