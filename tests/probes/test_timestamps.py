from datetime import UTC, datetime

import pytest

from apps.probes.drivers.timestamps import to_utc

MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", [
    1772443800, 1772443800.0, "1772443800",  # epoch seconds
    1772443800000, "1772443800000",  # epoch milliseconds
    "2026-03-02T09:30:00Z", "2026-03-02T09:30:00.000Z", "2026-03-02T09:30:00+00:00",
    "2026-03-02T10:30:00+01:00", "2026-03-02T04:30:00-05:00", "2026-03-02T09:30:00",
    datetime(2026, 3, 2, 10, 30, tzinfo=datetime.fromisoformat("2026-01-01T00:00:00+01:00").tzinfo),
])
def test_every_spelling_becomes_aware_utc(value):
    assert to_utc(value) == MOMENT
    assert to_utc(value).tzinfo is UTC


@pytest.mark.parametrize("value", [None, ""])
def test_nothing_is_none(value):
    assert to_utc(value) is None


@pytest.mark.parametrize("value", ["yesterday", True, [1], "2026-13-45"])
def test_other_things_are_refused(value):
    with pytest.raises(ValueError):
        to_utc(value)
