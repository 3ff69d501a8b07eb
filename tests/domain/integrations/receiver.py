"""A real HTTP receiver on a local port: it records every request and answers the status codes it is told to."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does (the README's snippet): recompute the HMAC of "<timestamp>.<body>"."""
    expected = hmac.new(secret.encode(), headers['X-Voronka-Timestamp'].encode() + b'.' + body, hashlib.sha256)
    return hmac.compare_digest('sha256=' + expected.hexdigest(), headers['X-Voronka-Signature'])


@dataclass
class Receiver:
    """Answers `codes` in turn per path (then 200); `hang` paths never answer in time."""

    codes: dict[str, list[int]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str = '/hook') -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}{path}'

    def start(self) -> 'Receiver':
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                if self.path in receiver.hang:
                    threading.Event().wait(30)
                    return
                codes = receiver.codes.get(self.path) or []
                code = codes.pop(0) if codes else 200
                with receiver.arrived:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    receiver.arrived.notify_all()
                self.send_response(code)
                self.send_header('Content-Length', '2')
                self.end_headers()
                self.wfile.write(b'ok')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 20, path: str | None = None) -> list[Received]:
        """The requests received (at `path`), once there are `count` of them (or the timeout passed)."""

        def mine():
            return [r for r in self.received if path is None or r.path == path]

        with self.arrived:
            self.arrived.wait_for(lambda: len(mine()) >= count, timeout=timeout)
            return mine()
