"""Sockets in the security tests: nothing leaves this machine."""

import ipaddress
import socket


def stay_on_this_machine(monkeypatch, dns: dict[str, list[str]]) -> list[str]:
    """Record every socket connect and stop one that would leave this machine; the names in
    `dns` resolve to the addresses given, as a (hostile) DNS server could answer. Returns the
    list of addresses connected to."""
    made = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        made.append(address[0])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise OSError("the test suite never leaves this machine")
        return real_connect(sock, address)

    def getaddrinfo(host, port, *args, **kwargs):
        if host in dns:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port or 80, 0, 0)) if ":" in ip
                    else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 80)) for ip in dns[host]]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return made
