"""Team channels through Apprise: what a channel URL is, where it may post, and posting one
message to it."""

import dataclasses
import ipaddress
import logging
import re
import socket
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import apprise
from django.conf import settings

from apps.lib import netguard
from apps.lib.http import default_guard

# The services a team's alerts may go to. Each posts to its vendor's API, or, where marked,
# to a host the URL names, which is checked like a probe's target.
SERVICES = {"slack", "msteams", "discord", "gchat", "tgram", "pagerduty", "opsgenie", "pover", "webex"}
HOSTED = {
    "json", "jsons", "form", "forms", "xml", "xmls", "mmost", "mmosts", "rocket", "rockets", "matrix",
    "matrixs", "ntfy", "ntfys", "gotify", "gotifys", "workflows", "mailto", "mailtos",
}
# Options that make Apprise read a file or fetch a URL of its own.
READS_FILES = {"keyfile", "subfile", "pgpkey", "pgppub", "pgp", "attach", "cert", "key", "path"}
DEADLINE = 30  # seconds for one whole post, however slowly the channel answers
MAX_LABEL = 300
ALL_ADDRESSES = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


class BadChannel(ValueError):
    """A URL Apprise does not take, or may not post to, said so a person can fix it."""


class NotDelivered(Exception):
    """The channel refused the message or could not be reached: worth another try."""


class Unfinished(Exception):
    """The post did not finish within DEADLINE: it may have arrived, so it is not retried."""


@dataclass(frozen=True)
class ChannelURL:
    url: str
    label: str  # the URL if it holds nothing secret; else where it posts, its secrets masked
    carries_secret: bool  # options, a user, a token: anything beyond a plain address


def parse(url: str, *, shown: bool = True) -> ChannelURL:
    """The channel a URL describes; BadChannel says what is wrong. `shown=False` for a URL
    read from the environment: no message quotes it."""
    url = (url or "").strip()
    quoted = repr(url if len(url) <= 40 else url[:37] + "…") if shown else "the URL"
    if not url:
        raise BadChannel("enter an Apprise URL, e.g. slack://… or json://host:port/path")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise BadChannel(f"{quoted} is not a URL: it needs a scheme such as slack://, msteams:// or json://")
    if scheme not in SERVICES | HOSTED:
        raise BadChannel(f"{scheme}:// is not a channel Stackledger posts to; use one of "
                         f"{', '.join(f'{s}://' for s in sorted(SERVICES | HOSTED))}")
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise BadChannel(f"Apprise cannot use {quoted}: check the parts {scheme}:// needs "
                         "(see https://github.com/caronc/apprise/wiki)")
    options = {name.lower() for name, _ in parse_qsl(urlsplit(url).query)}
    if options & READS_FILES:
        raise BadChannel(f"{', '.join(sorted(options & READS_FILES))}= would have the server read a file or "
                         "another URL: leave it out")
    check_destination(plugin, scheme)
    masked, full = plugin.url(privacy=True), plugin.url(privacy=False)
    parts = urlsplit(url)
    secret = (masked != full or bool(parts.query) or parts.username is not None or len(url) > MAX_LABEL
              or scheme in SERVICES or any(_looks_like_a_token(part) for part in parts.path.split("/")))
    address = re.sub(r"^([a-z0-9+.-]+://)[^/@]*@", r"\1…@", masked.split("?", 1)[0].rstrip("/"))
    label = "/".join(f"{part[:2]}…{part[-2:]}" if _looks_like_a_token(part) else part for part in address.split("/"))
    return ChannelURL(url=url, label=(label if secret else url)[:MAX_LABEL], carries_secret=secret)


def normal(url: str) -> str:
    """The URL as Apprise writes it: one spelling for `JSON://Host/x/` and `json://host/x`."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return url
    address, _, options = plugin.url(privacy=False).partition("?")
    parts = urlsplit(address)
    user, at, host = parts.netloc.rpartition("@")
    return f"{parts.scheme.lower()}://{user}{at}{host.lower()}{parts.path.rstrip('/')}?{options}"


def _looks_like_a_token(part: str) -> bool:
    """A path segment such as a webhook's key (`/hooks/9f3a1c...`): long, and letters with digits
    or in one unbroken run, unlike a name such as `stackledger-alerts`."""
    if len(part) < 16:
        return False
    mixed = any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
    return mixed or not any(c in "-_." for c in part)


def check_destination(plugin, scheme: str) -> None:
    """Where a hosted channel posts: never a cloud metadata service, a link-local address or one
    of Stackledger's own services; a private or loopback address only in NOTIFY_ALLOWED_NETWORKS.
    Checked when the channel is added and again before every post."""
    if scheme not in HOSTED:
        return
    host = (getattr(plugin, "smtp_host", None) or plugin.host or "").strip("[]")
    if host.lower().rstrip(".") in netguard.METADATA_NAMES:
        raise BadChannel(f"{host} is a cloud metadata service, not a channel")
    literal = netguard.parse_ip(host)
    addresses = {literal} if literal else _resolved(host)
    port = plugin.port or (443 if plugin.secure else 80)
    guard = dataclasses.replace(default_guard(), allowed=ALL_ADDRESSES)
    allowed = [ipaddress.ip_network(cidr, strict=False) for cidr in settings.NOTIFY_ALLOWED_NETWORKS]
    for address in addresses:
        try:
            guard.check(address, port)
        except netguard.RefusedTarget as refused:
            raise BadChannel(f"{host}: {refused}; not a channel") from None
        if not address.is_global and not any(address in network for network in allowed):
            raise BadChannel(f"{host} is a private address ({address}): a channel posts there only when "
                             "NOTIFY_ALLOWED_NETWORKS lists its network")


def _resolved(host: str) -> set:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return set()  # not found now: Apprise will say so when it posts
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def post(url: str, *, title: str, body: str) -> None:
    """Post one message. NotDelivered says why it did not arrive; Unfinished that the channel
    took more than DEADLINE seconds (Apprise's own timeouts of 4 seconds apply to each read)."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise NotDelivered("the stored URL is not one Apprise takes any more")
    try:
        check_destination(plugin, url.split("://", 1)[0].lower())  # the name may resolve elsewhere now
    except BadChannel as refused:
        raise NotDelivered(str(refused)) from None
    outcome = {}

    def send():
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            outcome["delivered"] = plugin.notify(body=body, title=title)
            outcome["log"] = captured.getvalue()

    sender = threading.Thread(target=send, daemon=True, name="channel-post")
    sender.start()
    sender.join(DEADLINE)
    if sender.is_alive():
        raise Unfinished(f"the channel took more than {DEADLINE} seconds to answer; it may have "
                         "arrived, so it is not sent again")
    if not outcome.get("delivered"):
        lines = [line.strip() for line in outcome.get("log", "").splitlines() if line.strip()]
        raise NotDelivered(_without_secrets(lines[-1] if lines else "the channel did not accept the message", url))


def _without_secrets(message: str, url: str) -> str:
    """Apprise's message, with no part of the URL's path, user or password in it."""
    parts = urlsplit(url)
    for secret in [parts.password, parts.username, *re.split(r"[/?&=#]", parts.path + "?" + parts.query)]:
        if secret and len(secret) >= 6:
            message = message.replace(secret, "…")
    return message[:500]
