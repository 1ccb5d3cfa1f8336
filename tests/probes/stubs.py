"""Hand-written stub servers, only for faults a real server will not produce: hangs,
trickles, huge or garbage bodies, compression bombs, redirects to metadata addresses."""

import gzip
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultyHandler(BaseHTTPRequestHandler):
    connections = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).connections += 1
        fault = self.path.strip("/").split("?")[0]
        if fault == "hang":
            time.sleep(30)
        elif fault == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        elif fault == "huge":
            self._send(b"x" * (2 * 1024 * 1024))
        elif fault == "bomb":
            self._send(gzip.compress(b"{" + b" " * (50 * 1024 * 1024) + b"}"), encoding="gzip")
        elif fault == "garbage":
            self._send(b"\x00\xff<html>not json")
        elif fault.startswith("redirect-to-"):
            self.send_response(302)
            self.send_header("Location", "http://" + fault.removeprefix("redirect-to-") + "/")
            self.end_headers()
        elif fault == "headers":
            self._send(('{"authorization": "%s"}' % self.headers.get("Authorization", "")).encode())
        elif fault == "go":
            self.send_response(307)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.end_headers()
        elif fault == "gzip-tail":
            self._send(gzip.compress(b'{"ok": true}') + b"\0" * (2 * 1024 * 1024), encoding="gzip")
        elif fault == "loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self._send(b'{"ok": true}')

    do_POST = do_GET

    def _send(self, body: bytes, encoding: str | None = None):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def faulty_server():
    """A stub on 127.0.0.1; yields its base URL and the handler class (counting connections)."""
    handler = type("Handler", (FaultyHandler,), {"connections": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def listener():
    """A bare socket that takes connections and never answers: it counts them (for 'no
    connection at all'), and stands in for a server that hangs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    accepted = []

    def accept():
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(1)
        sock.close()
