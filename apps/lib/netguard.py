"""Which addresses an outbound probe may never reach, in every spelling of them.

`check_url` refuses, from the URL alone, what no probe may ever target: schemes other than
http(s), credentials in the URL, and link-local or cloud-metadata addresses however the IP is
written (decimal 2852039166, hex 0xA9FEA9FE, octal 0251.0376.0251.0376, short forms like
169.254.43518, IPv4-mapped IPv6 [::ffff:169.254.169.254]). The HTTP client checks the address
a name resolves to again at connect time. `this_host_addresses` lists the addresses this machine
answers on, which the client guards like loopback where Stackledger's own services listen.
"""

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

ALLOWED_SCHEMES = {"http", "https"}

# Cloud instance-metadata services, beyond the link-local range that holds most of them.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
}
METADATA_NAMES = {"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"}


class RefusedTarget(ValueError):
    """A URL or address no probe may reach; the message says why."""


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host part spells, in any legacy IPv4 form, or None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            # inet_aton accepts what browsers and libc accept: 2852039166, 0xA9FEA9FE,
            # 0251.0376.0251.0376, 169.254.43518.
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    """Refuse addresses no probe may reach, whatever PROBE_ALLOWED_NETWORKS says."""
    if isinstance(address, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6: mapped (::ffff:a.b.c.d), 6to4 (2002::/16) and Teredo.
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo and address.teredo[1])
        if embedded:
            check_address(embedded)
    if address in METADATA_ADDRESSES:
        raise RefusedTarget(f"{address} is a cloud metadata address")
    if address.is_link_local:
        raise RefusedTarget(f"{address} is a link-local address")
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        raise RefusedTarget(f"{address} is not an address a tool listens on")


def check_url(url: str) -> None:
    """Refuse a probe URL that could never be allowed; say why in a sentence."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as error:
        raise RefusedTarget(f"{url!r} is not a valid URL ({error})") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise RefusedTarget(f"the URL must start with http:// or https://, not {parts.scheme or 'nothing'}")
    if not hostname:
        raise RefusedTarget("the URL has no host")
    if parts.username or parts.password:
        raise RefusedTarget("the URL may not carry a user name or password: use credential_env")
    if hostname.rstrip(".").lower() in METADATA_NAMES:
        raise RefusedTarget(f"{hostname} is a cloud metadata service")
    address = parse_ip(hostname)
    if address is not None:
        check_address(address)


def this_host_addresses() -> frozenset:
    """Every address of this machine beyond loopback: those of its network interfaces (read
    from /proc on Linux) and those its host name resolves to. A server listening on 0.0.0.0
    answers on each of them."""
    found = _interface_addresses()
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
    except OSError:
        infos = []
    for info in infos:
        address = parse_ip(info[4][0].split("%")[0])
        if address is not None:
            found.add(address)
    return frozenset(found)


def _interface_addresses(proc: Path = Path("/proc/net")) -> set:
    found = set()
    try:
        # IPv4: the routing trie lists each local address as an entry followed by "/32 host LOCAL".
        last = None
        for line in (proc / "fib_trie").read_text().splitlines():
            line = line.strip()
            if line.startswith("|--"):
                last = line[3:].strip()
            elif line.startswith("/32 host LOCAL") and last:
                found.add(ipaddress.IPv4Address(last))
    except (OSError, ValueError):
        pass
    try:
        # IPv6: one line per address, the address first, in 32 hex digits.
        for line in (proc / "if_inet6").read_text().splitlines():
            found.add(ipaddress.IPv6Address(int(line.split()[0], 16)))
    except (OSError, ValueError, IndexError):
        pass
    return found
