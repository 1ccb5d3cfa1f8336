"""A webhook receiver on loopback: the endpoint a `json://` channel posts to, as a team's own
automation would run one. It records each post; it can be told to answer 500 (down), to hold
a request without answering (to kill a sender mid-send), and to recover."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.posts = []  # the JSON bodies it accepted
        self.requests = 0  # every request it saw, accepted or not
        self.down = False
        self.hold = threading.Event()  # set: requests are held until `release`
        self.released = threading.Event()
        self.url = ""

    def release(self):
        self.released.set()


@contextmanager
def webhook_receiver():
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.requests += 1
            if receiver.hold.is_set():
                receiver.released.wait(30)
                return
            if receiver.down:
                self.send_response(500)
                self.end_headers()
                return
            receiver.posts.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"json://127.0.0.1:{server.server_address[1]}/alerts"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release()
        server.shutdown()
        server.server_close()
