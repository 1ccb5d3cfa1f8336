"""The only outbound HTTP client. Every probe request goes through `fetch`, which:

- speaks http and https only, and follows at most MAX_REDIRECTS redirects, each hop checked
  again like the first;
- resolves the host itself and checks every address against the guard before it connects,
  so a refused target gets no connection at all and DNS rebinding gains nothing: link-local
  and cloud-metadata addresses, anything outside PROBE_ALLOWED_NETWORKS, and Stackledger's own
  services are refused: its database, broker and web server on every address of the machine
  they run on, and every service of docker-compose.yml on any port;
- bounds the connection, each read, and the whole exchange (a watchdog closes the socket of a
  server that trickles), and reads at most MAX_BODY bytes of body, decompressed;
- words its errors without anything the server sent: not its body, its headers, the first line
  of a service that does not speak HTTP, nor where a redirect pointed (after a redirect, errors
  name the URL asked for). Probe errors are shown on the entry page.
"""

import contextvars
import http.client
import ipaddress
import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from apps.lib.netguard import RefusedTarget, check_address, check_url, this_host_addresses

MAX_BODY = 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 20.0
USER_AGENT = "Stackledger usage probe"
# The services of docker-compose.yml: inside that install each name resolves to one of
# Stackledger's own containers, which no probe may reach on any port.
COMPOSE_SERVICES = ("postgres", "redis", "web", "worker", "beat", "mailpit")
# In an endpoint, this machine: every address in `Guard.local_addresses` and all of loopback.
THIS_HOST = "this host"


class HttpError(Exception):
    """A request that gave no usable answer. `permanent` when retrying cannot help (a refused
    target, bad credentials, a wrong URL); transient otherwise (timeouts, 5xx, refused
    connections)."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True)
class Guard:
    """Where requests may go: allowed networks, minus what is never allowed."""

    allowed: tuple = ()
    # (ip, port) of Stackledger's own database, broker and web server; (THIS_HOST, port) for
    # one that runs on this machine, on any of its addresses.
    forbidden_endpoints: frozenset = frozenset()
    forbidden_hosts: frozenset = frozenset()  # Stackledger's own containers: every port
    local_addresses: frozenset = frozenset()  # this machine's addresses beyond loopback

    def check(self, address, port: int) -> None:
        check_address(address)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address in self.forbidden_hosts:
            raise RefusedTarget(f"{address} is one of Stackledger's own services")
        on_this_host = address.is_loopback or address in self.local_addresses
        if (address, port) in self.forbidden_endpoints or (on_this_host and (THIS_HOST, port) in self.forbidden_endpoints):
            raise RefusedTarget(f"{address}:{port} is Stackledger's own database or broker, or Stackledger itself")
        if not any(address in network for network in self.allowed):
            raise RefusedTarget(f"{address} is outside PROBE_ALLOWED_NETWORKS")


def _addresses(host: str | None) -> set:
    if not host or host.startswith("/"):
        return set()
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return set()
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def _endpoint(host: str | None, port, local: frozenset) -> set:
    """The (address, port) pairs a host:port names; one on this machine stands for the port on
    every address of it, since a server listening on 0.0.0.0 answers on all of them."""
    found = {(address, int(port)) for address in _addresses(host)}
    if any(address.is_loopback or address in local for address, _ in found):
        found.add((THIS_HOST, int(port)))
    return found


def own_endpoints(database: dict, broker_url: str, site_url: str = "", local: frozenset = frozenset()) -> frozenset:
    """(address, port) of Stackledger's own database, broker and, given its SITE_URL, web server;
    `local` is this machine's addresses beyond loopback."""
    own = _endpoint(database.get("HOST"), database.get("PORT") or 5432, local)
    broker = urlsplit(broker_url)
    if broker.hostname:
        default_port = 5672 if broker.scheme.startswith(("amqp", "pyamqp")) else 6379
        own |= _endpoint(broker.hostname, broker.port or default_port, local)
    site = urlsplit(site_url)
    if site.hostname:
        own |= _endpoint(site.hostname, site.port or (443 if site.scheme == "https" else 80), local)
    return frozenset(own)


def default_guard() -> Guard:
    """The guard the settings describe."""
    try:
        allowed = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in settings.PROBE_ALLOWED_NETWORKS)
    except ValueError as error:
        raise HttpError(f"PROBE_ALLOWED_NETWORKS is not a list of networks: {error}", permanent=True) from None
    local = this_host_addresses()
    return Guard(
        allowed=allowed,
        forbidden_endpoints=own_endpoints(settings.DATABASES["default"], settings.CELERY_BROKER_URL, settings.SITE_URL, local),
        # Inside compose the names never resolve to loopback; a hosts file elsewhere that maps
        # one there must not take all of loopback away from the tools on this machine.
        forbidden_hosts=frozenset(
            address for name in COMPOSE_SERVICES for address in _addresses(name) if not address.is_loopback
        ),
        local_addresses=local,
    )


@dataclass
class _Exchange:
    """What one fetch shares with its connections: the guard, the deadline, and the sockets
    (plain or TLS) the watchdog shuts when the deadline passes, so a blocked read returns."""

    guard: Guard
    total: float = TOTAL_TIMEOUT
    deadline: float = 0.0
    sockets: list = field(default_factory=list)
    expired: bool = False
    asked: str = ""  # the URL the caller gave: what errors name
    redirects: int = 0  # redirects followed so far

    def where(self, host: str) -> str:
        """How an error names the host of the current request: a redirect's target is what
        the server answered, so it is not repeated."""
        return f"the server {self.asked} redirected to" if self.redirects else host

    def expire(self) -> None:
        self.expired = True
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def check(self) -> None:
        if self.expired or time.monotonic() > self.deadline:
            raise HttpError(f"the answer took longer than {self.total:g} s")


_EXCHANGE: contextvars.ContextVar[_Exchange] = contextvars.ContextVar("stackledger_http_exchange")


class _GuardedConnection:
    """Resolve, check every address, then connect to the first one that answers."""

    def _new_conn(self):
        exchange = _EXCHANGE.get()
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise HttpError(f"{exchange.where(self.host)} does not resolve ({error.strerror})") from None
        for info in infos:  # all of them first: one bad answer refuses the name
            exchange.guard.check(ipaddress.ip_address(info[4][0]), self.port)
        last = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(self.timeout)
            try:
                sock.connect(address)
                return sock
            except OSError as error:
                last = error
                sock.close()
        where = f"{self.host}:{self.port}" if not exchange.redirects else exchange.where(self.host)
        raise HttpError(f"{where} refused the connection ({last})")

    def connect(self):
        super().connect()
        _EXCHANGE.get().sockets.append(self.sock)  # after TLS is set up: the socket reads go through


class _HTTPConnection(_GuardedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    url: str  # where the answer came from, after any redirects
    asked: str = ""  # the URL the caller gave, which errors name

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(f"{self.asked or self.url} answered with something that is not JSON") from None


def fetch(
    method: str,
    url: str,
    *,
    headers: dict | None = None,
    body: bytes | None = None,
    json_body=None,
    guard: Guard | None = None,
    total_timeout: float = TOTAL_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> Response:
    """Make one request under the rules above; raise HttpError when there is no good answer."""
    exchange = _Exchange(guard or default_guard(), total=total_timeout, deadline=time.monotonic() + total_timeout,
                         asked=url)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    token = _EXCHANGE.set(exchange)
    watchdog = threading.Timer(total_timeout, exchange.expire)
    watchdog.daemon = True
    watchdog.start()
    started = time.monotonic()
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = _one(method, url, headers, body, exchange, connect_timeout, total_timeout, started)
            if response.status in (301, 302, 303, 307, 308) and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                if _origin(target) != _origin(url):
                    # Credentials and bodies are for the server they were meant for.
                    headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
                    body = None
                url = target
                exchange.redirects += 1
                if response.status == 303:
                    method, body = "GET", None
                continue
            return response
        raise HttpError(f"more than {MAX_REDIRECTS} redirects", permanent=True)
    except RefusedTarget as refused:
        if exchange.redirects:
            raise HttpError(f"refused: {exchange.asked} redirects to {_refused_redirect(refused)}", permanent=True) from None
        raise HttpError(f"refused: {refused}", permanent=True) from None
    finally:
        watchdog.cancel()
        _EXCHANGE.reset(token)


# The fixed part of each refusal: all that an error about a redirect's target repeats, since
# the target (its address, host or scheme) is what the server answered.
REFUSALS = (
    "cloud metadata", "link-local", "not an address a tool listens on", "Stackledger's own",
    "outside PROBE_ALLOWED_NETWORKS", "http:// or https://", "has no host", "user name or password",
    "not a valid URL",
)


def _refused_redirect(refused: RefusedTarget) -> str:
    reason = next((phrase for phrase in REFUSALS if phrase in str(refused)), "")
    return f"a target no probe may reach ({reason})" if reason else "a target no probe may reach"


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _one(method, url, headers, body, exchange, connect_timeout, total_timeout, started) -> Response:
    check_url(url)
    parts = urlsplit(url)
    pool_class = _HTTPSPool if parts.scheme == "https" else _HTTPPool
    host = parts.hostname
    where = exchange.where(host)
    pool = pool_class(
        host=host,
        port=parts.port,
        timeout=urllib3.Timeout(connect=connect_timeout, read=total_timeout),
        maxsize=1,
        retries=False,
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        raw = pool.urlopen(
            method, path, body=body, headers=headers, redirect=False, preload_content=False,
            decode_content=False, assert_same_host=False,
        )
        try:
            data = _read_capped(raw, exchange)
        except BaseException:
            raw.close()  # never wait for the rest of a refused answer
            raise
        raw.release_conn()
    except HttpError:
        raise
    except (urllib3.exceptions.HTTPError, OSError) as error:
        if exchange.expired:
            raise HttpError(f"{where} took longer than {total_timeout:g} s") from None
        if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
            raise HttpError(f"{where} did not accept a connection within {connect_timeout:g} s") from None
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            raise HttpError(f"{where} did not answer within {total_timeout:g} s") from None
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, RefusedTarget):
            raise reason from None
        raise HttpError(f"{where} {_broken(error, reason)}") from None
    finally:
        pool.close()
    if exchange.expired or time.monotonic() - started > total_timeout:
        raise HttpError(f"{where} took longer than {total_timeout:g} s")
    response_headers = {key.lower(): value for key, value in raw.headers.items()}
    response = Response(raw.status, response_headers, data, url, asked=exchange.asked)
    if raw.status >= 400:
        raise HttpError(
            f"{url if not exchange.redirects else exchange.asked + ', redirected,'} answered {raw.status}",
            permanent=raw.status in (400, 401, 403, 404, 405, 410),
            status=raw.status,
        )
    return response


def _broken(error, reason) -> str:
    """What went wrong with an exchange, in words of our own: a service that does not speak
    HTTP answers with its own first line (a banner, a greeting), which is not repeated."""
    if isinstance(error, urllib3.exceptions.SSLError):
        return f"failed the TLS handshake ({reason})"  # OpenSSL's words, about our own check
    if isinstance(error, urllib3.exceptions.ProtocolError):
        cause = error.args[1] if len(error.args) > 1 else None
        if isinstance(cause, http.client.RemoteDisconnected):
            return "closed the connection without an answer"
        if isinstance(cause, OSError) and cause.strerror:
            return f"broke off the connection ({cause.strerror})"
        return "did not answer in HTTP"
    if isinstance(reason, OSError) and reason.strerror:
        return f"could not be reached ({reason.strerror})"
    return f"could not be reached ({type(reason).__name__})"


def _read_capped(raw, exchange: _Exchange) -> bytes:
    """The body, decompressed, refusing more than MAX_BODY bytes however it is encoded (raw
    and decoded both count), and stopping at the deadline however slowly it trickles."""
    encoding = (raw.headers.get("content-encoding") or "identity").lower()
    if encoding not in ("identity", "gzip", "deflate"):
        raise HttpError("the answer is encoded with neither gzip nor deflate, so it is not read", permanent=True)
    decoder = zlib.decompressobj(wbits=47) if encoding != "identity" else None  # gzip or zlib
    chunks, size, raw_size = [], 0, 0
    for chunk in raw.stream(8 * 1024, decode_content=False):
        exchange.check()
        raw_size += len(chunk)
        if raw_size > MAX_BODY:
            raise HttpError(f"the answer is larger than {MAX_BODY // 1024} KiB", permanent=True)
        if decoder is not None:
            try:
                chunk = decoder.decompress(chunk, MAX_BODY + 1 - size)
            except zlib.error:
                raise HttpError("the answer's compression is broken") from None
        size += len(chunk)
        if size > MAX_BODY:
            raise HttpError(f"the answer is larger than {MAX_BODY // 1024} KiB", permanent=True)
        chunks.append(chunk)
    return b"".join(chunks)
