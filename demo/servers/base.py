"""A tiny threaded HTTP server on 127.0.0.1 for the demo and the tests, with injectable faults.

Usage::

    class Hello(DemoServer):
        def handle(self, request: Request) -> Reply:
            return Reply.json({"hello": request.query.get("name")})

    with Hello() as server:                       # port 0: the OS picks a free port
        server.faults.add("/api", "status", status=429, retry_after="2", times=1)
        requests.get(server.url + "/api?name=x")  # 429 once, then the normal answer
        server.hits("/api")                       # → 2

Fault kinds (per path prefix, for the next `times` matching requests, first added first used):
`status` (answer `status`, with `Retry-After` when given), `delay` (sleep `delay` seconds, then
answer normally: triggers client timeouts), `reset` (close the socket without answering),
`truncate` (announce a longer Content-Length than the body sent, then close), `cut` (send half
the body with a Content-Length that matches it: JSON or XML cut short, as by a proxy),
`invalid_body` (answer 200 with a body that is neither valid JSON nor XML) and `mutate` (call
`action()` — e.g. change the data — then answer normally: records shifting between pages).
`after=N` lets the first N matching requests through untouched (a fault on page 2 of a pull).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = frozenset({"status", "delay", "reset", "truncate", "cut", "invalid_body", "mutate"})


@dataclass(frozen=True)
class Request:
    """What the server received, simplified: first value of each query/form parameter."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        content_type = {"Content-Type": "application/json; charset=utf-8"}
        return cls(status, body, {**content_type, **(headers or {})})


@dataclass
class Fault:
    prefix: str
    kind: str
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    after: int = 0
    action: Callable[[], None] | None = None


class Faults:
    """A thread-safe queue of faults to inject into the next matching requests."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        prefix: str,
        kind: str,
        *,
        times: int = 1,
        status: int = 503,
        retry_after: str | None = None,
        delay: float = 0.0,
        after: int = 0,
        action: Callable[[], None] | None = None,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        if kind == "mutate" and action is None:
            raise ValueError("a `mutate` fault needs an `action`")
        with self._lock:
            self._faults.append(
                Fault(prefix, kind, times, status, retry_after, delay, after, action)
            )

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and path.startswith(fault.prefix):
                    if fault.after > 0:
                        fault.after -= 1  # let this one through; the next matching may fault
                        continue
                    fault.times -= 1
                    return fault
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(f.times for f in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


class DemoServer:
    """Base of the demo servers: override `handle`; start with `with` or `start()`/`stop()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.faults = Faults()
        self.requests: list[Request] = []
        self._log_lock = threading.Lock()
        self._httpd = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def handle(self, request: Request) -> Reply:
        return Reply(404, b"not found")

    def hits(self, prefix: str = "/", method: str | None = None) -> int:
        """How many requests arrived for this path prefix (faulty ones included)."""
        with self._log_lock:
            return sum(
                1
                for r in self.requests
                if r.path.startswith(prefix) and (method is None or r.method == method)
            )

    def start(self) -> DemoServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: Request) -> None:
        with self._log_lock:
            self.requests.append(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are the point of the fault tests: stay quiet.
        pass


def _handler_for(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mtqg-demo/1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without NODELAY each answer waits
            # for the client's delayed ACK (~40 ms), which makes paging tests slow.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_HEAD(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                headers=dict(self.headers.items()),
                body=body,
            )
            server._record(request)
            fault = server.faults.take(parts.path)
            if fault is not None and fault.kind == "reset":
                self._reset()
                return
            if fault is not None and fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(Reply(fault.status, f"fault {fault.status}".encode(), headers))
                return
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.delay)
            if fault is not None and fault.kind == "mutate" and fault.action is not None:
                fault.action()
            reply = server.handle(request)
            if fault is not None and fault.kind == "invalid_body":
                reply = Reply(200, b'{"data": [{"id": <html>Gateway', reply.headers)
            if fault is not None and fault.kind == "cut":
                reply = Reply(reply.status, reply.body[: len(reply.body) // 2], reply.headers)
            if fault is not None and fault.kind == "truncate":
                self._send(reply, truncate=True)
                return
            self._send(reply)

        def _send(self, reply: Reply, truncate: bool = False) -> None:
            body = reply.body
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) + (100 if truncate else 0)))
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body[: len(body) // 2] if truncate else body)
            if truncate:
                self.wfile.flush()
                self.close_connection = True

        def _reset(self) -> None:
            # SO_LINGER 0 makes close() send a RST: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

    return Handler
