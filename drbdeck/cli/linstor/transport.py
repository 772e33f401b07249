"""Sending requests to the controller with the standard library (``urllib``).

Controllers come from ``--controllers`` with ``LS_CONTROLLERS`` *appended* (linstor.md
§6), default ``localhost:3370``; each is ``host[:port]`` and they are tried in order
until one accepts the connection (only a controller that cannot have seen the request
is skipped: after a timeout or reset the request is not sent again elsewhere). No version
handshake per call: our controller speaks one API version and every extra round trip is
paid by each CLI run.
"""

from __future__ import annotations

import errno
import gc
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import orjson

from drbdeck.cli.linstor.request import Request

DEFAULT_CONTROLLER = "localhost:3370"
USER_AGENT = "drbdeck-cli (PythonLinstor compatible)"


class ConnectionFailed(Exception):
    """No controller could be reached (exit 20); the message names every URL tried."""


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status and decoded JSON (or the raw text if it is not JSON)."""

    status: int
    body: Any
    is_json: bool


def controller_urls(option: str | None, env: str | None) -> list[str]:
    """Base URLs in the order to try; a ``linstor://``/``http://`` prefix is accepted."""
    words = [w for text in (option, env) if text for w in text.split(",")]
    urls: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        for prefix in ("linstor://", "http://"):
            word = word.removeprefix(prefix)
        if word.startswith(("https://", "linstor+ssl://")):
            raise ConnectionFailed(f"{word}: https is not supported by this client yet")
        host, _, port = word.rpartition(":") if _has_port(word) else (word, "", "3370")
        urls.append(f"http://{host}:{port}")
    return urls or [f"http://{DEFAULT_CONTROLLER}"]


def _has_port(word: str) -> bool:
    if word.startswith("["):  # [v6]:port
        return "]:" in word
    return word.count(":") == 1


def send(urls: list[str], request: Request, timeout: float) -> Reply:
    """Send ``request`` to the first controller that accepts the connection."""
    failures: list[str] = []
    for base in urls:
        http_request = urllib.request.Request(
            base + request.target(),
            data=request.data(),
            method=request.method,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(http_request, timeout=timeout) as answer:
                return _decode(answer.status, answer.read(), answer.headers)
        except urllib.error.HTTPError as exc:
            return _decode(exc.code, exc.read(), exc.headers)
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            failures.append(f"{base}: {reason}")
            if not _never_reached(reason):
                # it may have got the request: sending it again elsewhere could apply a
                # change twice, so stop here
                break
    raise ConnectionFailed("could not connect to the controller: " + "; ".join(failures))


def _never_reached(reason: object) -> bool:
    """True when the controller cannot have seen the request (refused, no route, no
    such host), so the next controller may be tried."""
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in (
        errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL,
    )  # fmt: skip


def _decode(status: int, raw: bytes, headers: Any) -> Reply:
    if not raw.strip():
        return Reply(status, None, True)
    try:
        return Reply(status, _loads(raw), True)
    except orjson.JSONDecodeError:
        return Reply(status, raw.decode("utf-8", "replace"), False)


def _loads(raw: bytes) -> Any:
    """Decode an answer with orjson, the cyclic GC paused meanwhile and frozen after.

    A ``view/resources`` answer for 30,000 replicas is 27 MB and builds millions of
    containers that live until the command ends. Scanning them is wasted work, during the
    decode and in the full collections that follow it, so the decode runs with the GC
    paused and its result is moved to the permanent generation (``gc.freeze``). Safe here:
    the CLI is a short-lived process that keeps every answer to the end anyway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(raw)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
