"""Plain files over HTTP (a publisher's folder of reference CSVs), with the base's faults.

Usage::

    with FileServer({"admin/wards_2025.csv": csv_bytes}) as server:
        server.url + "/admin/wards_2025.csv"     # 200 with the bytes; any other path 404
        server.set_file("admin/wards_2025.csv", new_bytes)
"""

from __future__ import annotations

import threading

from demo.servers.base import DemoServer, Reply, Request

_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xml": "application/xml"}


class FileServer(DemoServer):
    """Serves each file at `/<name>`; names may hold folders (`admin/wards_2025.csv`)."""

    def __init__(self, files: dict[str, bytes], *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self._lock = threading.Lock()
        self._files = {name.strip("/"): bytes(content) for name, content in files.items()}

    def set_file(self, name: str, content: bytes) -> None:
        with self._lock:
            self._files[name.strip("/")] = bytes(content)

    def handle(self, request: Request) -> Reply:
        name = request.path.strip("/")
        with self._lock:
            content = self._files.get(name)
        if content is None or request.method not in ("GET", "HEAD"):
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        kind = _CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
        return Reply(200, content, {"Content-Type": kind})
