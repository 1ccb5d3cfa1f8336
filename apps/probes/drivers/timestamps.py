"""One place where every timestamp a tool returns becomes an aware UTC datetime."""

from datetime import UTC, datetime

from apps.probes.drivers import json_type

# Epoch numbers above this are milliseconds (it is 5138 AD in seconds).
MILLISECONDS_FROM = 100_000_000_000


def to_utc(value) -> datetime | None:
    """Epoch seconds or milliseconds (number or digits), or ISO 8601 with Z, an offset or
    none (taken as UTC); None and "" give None. Anything else raises ValueError, whose message
    says what kind of value it was without quoting it (it ends up in a probe's error text)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a time, got {json_type(value)}")
    if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        value = float(value)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("expected a time, got a number out of range") from None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("expected a time, got a string that is not ISO 8601") from None
    else:
        raise ValueError(f"expected a time, got {json_type(value)}")
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("expected a time, got one out of range") from None
