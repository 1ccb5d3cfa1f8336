"""The only outbound HTTP client. Every probe request goes through `fetch`, which:

- speaks http and https only, and follows at most MAX_REDIRECTS redirects, each hop checked
  again like the first;
- resolves the host itself and checks every address against the guard before it connects,
  so a refused target gets no connection at all and DNS rebinding gains nothing: link-local
  and cloud-metadata addresses, anything outside PROBE_ALLOWED_NETWORKS, and Stackledger's own
  database and broker endpoints are refused;
- bounds the connection, each read, and the whole exchange (a watchdog closes the socket of a
  server that trickles), and reads at most MAX_BODY bytes of body, decompressed.
"""

import contextvars
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

from apps.lib.netguard import RefusedTarget, check_address, check_url

MAX_BODY = 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 20.0
USER_AGENT = "Stackledger usage probe"


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
    forbidden_endpoints: frozenset = frozenset()  # (ip, port) of our own database and broker

    def check(self, address, port: int) -> None:
        check_address(address)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if (address, port) in self.forbidden_endpoints or (address.is_loopback and ("loopback", port) in self.forbidden_endpoints):
            raise RefusedTarget(f"{address}:{port} is Stackledger's own database or broker")
        if not any(address in network for network in self.allowed):
            raise RefusedTarget(f"{address} is outside PROBE_ALLOWED_NETWORKS")


def _endpoint(host: str | None, port) -> set:
    """The (address, port) pairs a host:port names; a loopback one stands for every loopback
    address, since a server listening on 0.0.0.0 answers on all of them."""
    if not host or host.startswith("/"):
        return set()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return set()
    found = {(ipaddress.ip_address(info[4][0]), int(port)) for info in infos}
    return found | {("loopback", int(port)) for address, _ in found if address.is_loopback}


def own_endpoints(database: dict, broker_url: str) -> frozenset:
    """(address, port) of Stackledger's own database and broker."""
    own = _endpoint(database.get("HOST"), database.get("PORT") or 5432)
    broker = urlsplit(broker_url)
    if broker.hostname:
        default_port = 5672 if broker.scheme.startswith(("amqp", "pyamqp")) else 6379
        own |= _endpoint(broker.hostname, broker.port or default_port)
    return frozenset(own)


def default_guard() -> Guard:
    """The guard the settings describe."""
    try:
        allowed = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in settings.PROBE_ALLOWED_NETWORKS)
    except ValueError as error:
        raise HttpError(f"PROBE_ALLOWED_NETWORKS is not a list of networks: {error}", permanent=True) from None
    return Guard(allowed=allowed, forbidden_endpoints=own_endpoints(settings.DATABASES["default"], settings.CELERY_BROKER_URL))


@dataclass
class _Exchange:
    """What one fetch shares with its connections: the guard, the deadline, and the sockets
    (plain or TLS) the watchdog shuts when the deadline passes, so a blocked read returns."""

    guard: Guard
    total: float = TOTAL_TIMEOUT
    deadline: float = 0.0
    sockets: list = field(default_factory=list)
    expired: bool = False

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
            raise HttpError(f"{self.host} does not resolve ({error.strerror})") from None
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
        raise HttpError(f"{self.host}:{self.port} refused the connection ({last})")

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
    url: str

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(f"{self.url} answered with something that is not JSON") from None


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
    exchange = _Exchange(guard or default_guard(), total=total_timeout, deadline=time.monotonic() + total_timeout)
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
                if response.status == 303:
                    method, body = "GET", None
                continue
            return response
        raise HttpError(f"more than {MAX_REDIRECTS} redirects", permanent=True)
    except RefusedTarget as refused:
        raise HttpError(f"refused: {refused}", permanent=True) from None
    finally:
        watchdog.cancel()
        _EXCHANGE.reset(token)


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _one(method, url, headers, body, exchange, connect_timeout, total_timeout, started) -> Response:
    check_url(url)
    parts = urlsplit(url)
    pool_class = _HTTPSPool if parts.scheme == "https" else _HTTPPool
    host = parts.hostname
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
            raise HttpError(f"{host} took longer than {total_timeout:g} s") from None
        if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
            raise HttpError(f"{host} did not accept a connection within {connect_timeout:g} s") from None
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            raise HttpError(f"{host} did not answer within {total_timeout:g} s") from None
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, RefusedTarget):
            raise reason from None
        raise HttpError(f"{host}: {reason}") from None
    finally:
        pool.close()
    if exchange.expired or time.monotonic() - started > total_timeout:
        raise HttpError(f"{host} took longer than {total_timeout:g} s")
    response_headers = {key.lower(): value for key, value in raw.headers.items()}
    response = Response(raw.status, response_headers, data, url)
    if raw.status >= 400:
        raise HttpError(
            f"{url} answered {raw.status}",
            permanent=raw.status in (400, 401, 403, 404, 405, 410),
            status=raw.status,
        )
    return response


def _read_capped(raw, exchange: _Exchange) -> bytes:
    """The body, decompressed, refusing more than MAX_BODY bytes however it is encoded (raw
    and decoded both count), and stopping at the deadline however slowly it trickles."""
    encoding = (raw.headers.get("content-encoding") or "identity").lower()
    if encoding not in ("identity", "gzip", "deflate"):
        raise HttpError(f"the answer is encoded as {encoding}, which is not read", permanent=True)
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
