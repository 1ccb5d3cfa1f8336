"""Team channels through Apprise: what a channel URL is, and posting one message to it."""

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import apprise

from apps.lib import netguard

# Apprise's schemes that notify the machine Stackledger runs on, not a team.
LOCAL_SCHEMES = {"dbus", "kde", "qt", "glib", "gnome", "macosx", "windows", "syslog", "rsyslog", "fcm"}


class BadChannel(ValueError):
    """A URL Apprise does not take, said so a person can fix it."""


class NotDelivered(Exception):
    """The channel refused the message or could not be reached."""


@dataclass(frozen=True)
class ChannelURL:
    url: str
    label: str  # the URL itself if it holds no secret, else masked and without its options
    carries_secret: bool  # whether the URL holds anything beyond where it posts


def parse(url: str) -> ChannelURL:
    url = (url or "").strip()
    if not url:
        raise BadChannel("enter an Apprise URL, e.g. slack://… or json://host:port/path")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise BadChannel(f"{_short(url)} is not a URL: it needs a scheme such as slack://, msteams:// or json://")
    if scheme in LOCAL_SCHEMES:
        raise BadChannel(f"{scheme}:// notifies the server's own desktop or log, not a team")
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise BadChannel(
            f"Apprise cannot use {_short(url)}: check the scheme ({scheme}://) and the parts it needs "
            "(see https://github.com/caronc/apprise/wiki)"
        )
    _check_host(getattr(plugin, "host", None) or "")
    masked, full = plugin.url(privacy=True), plugin.url(privacy=False)
    parts = urlsplit(full)
    headers = any(name.startswith(("+", "-")) for name, _ in parse_qsl(parts.query))
    secret = masked != full or headers or any(_looks_like_a_token(part) for part in parts.path.split("/"))
    label = "/".join(f"{part[:2]}…{part[-2:]}" if _looks_like_a_token(part) else part
                     for part in masked.split("?", 1)[0].rstrip("/").split("/"))
    return ChannelURL(url=url, label=label if secret else url, carries_secret=secret)


def _looks_like_a_token(part: str) -> bool:
    """A path segment such as a webhook's key (`/hooks/9f3a1c...`): long, letters and digits."""
    return len(part) >= 16 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)


def _check_host(host: str) -> None:
    """A channel never posts to a cloud metadata service or a link-local address, however the
    address is spelled (the same rule as the probes')."""
    if host.lower().rstrip(".") in netguard.METADATA_NAMES:
        raise BadChannel(f"{host} is a cloud metadata service, not a channel")
    address = netguard.parse_ip(host)
    if address is not None:
        try:
            netguard.check_address(address)
        except netguard.RefusedTarget as refused:
            raise BadChannel(f"{refused}: not a channel") from None


def post(url: str, *, title: str, body: str) -> None:
    """Post one message; NotDelivered says why it did not arrive. Apprise's own timeouts
    apply (4 seconds to connect and to read by default)."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise NotDelivered("the stored URL is not one Apprise takes any more")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        delivered = plugin.notify(body=body, title=title)
    if not delivered:
        lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
        raise NotDelivered(_without_secrets(lines[-1] if lines else "the channel did not accept the message", url))


def _short(url: str) -> str:
    return repr(url if len(url) <= 40 else url[:37] + "…")


def _without_secrets(message: str, url: str) -> str:
    """Apprise's message, with no part of the URL's path or credentials in it."""
    parts = urlsplit(url)
    for secret in [parts.password, *re.split(r"[/?&=]", parts.path)]:
        if secret and len(secret) >= 6:
            message = message.replace(secret, "…")
    return message[:500]
