"""The server the browser tests use: a browser that drops connections leaks nothing."""

from __future__ import annotations

import gc
import socket
import struct
import sys
from http.client import HTTPConnection
from urllib.parse import urlsplit

STATIC = "/static/img/favicon.svg"


def _drop_while_answered(address: tuple[str, int], path: str) -> None:
    """Ask for `path` and reset the connection as the answer starts to arrive."""
    with socket.create_connection(address) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {address[0]}\r\n\r\n".encode())
        sock.recv(16)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_dropped_connections_leave_no_file_open(live_server, monkeypatch):
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.object)))
    parts = urlsplit(live_server)
    for _ in range(30):
        _drop_while_answered((parts.hostname, parts.port), STATIC)
    still_serving = HTTPConnection(parts.hostname, parts.port, timeout=10)
    still_serving.request("GET", STATIC)
    response = still_serving.getresponse()
    assert response.status == 200
    assert response.read().startswith(b"<svg")
    still_serving.close()
    gc.collect()
    assert unraisable == []
