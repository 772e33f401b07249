"""One REST request as the CLI sends it, and its ``curl`` spelling.

Every command builds a list of :class:`Request` values first and only then sends them (or
prints them with ``--curl``), so the exact method/path/query/body of each command is a
plain value that tests compare against linstor.md §7 without any server.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode


def seg(name: str | int) -> str:
    """Quote one path segment (names are validated by the controller, not here)."""
    return quote(str(name), safe="")


@dataclass(frozen=True)
class Request:
    """A REST call: ``query`` keeps repeated keys (``nodes=a&nodes=b``) as LINSTOR does."""

    method: str
    path: str
    body: Any = None
    query: tuple[tuple[str, str], ...] = field(default=())

    def target(self) -> str:
        """Path plus query string."""
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    def data(self) -> bytes | None:
        return None if self.body is None else json.dumps(self.body).encode()

    def curl(self, base_url: str) -> str:
        """The equivalent ``curl`` command line (``--curl``)."""
        argv = ["curl", "-X", self.method]
        if self.body is not None:
            argv += ["-H", "Content-Type: application/json", "-d", json.dumps(self.body)]
        argv.append(base_url + self.target())
        return shlex.join(argv)


def query(**lists: list[str] | None) -> tuple[tuple[str, str], ...]:
    """Repeated-key query from keyword lists; empty or None lists are left out."""
    return tuple((key, v) for key, values in lists.items() for v in (values or ()))


def props_change(key: str, value: str | None) -> dict[str, Any]:
    """``set-property`` body: a value overrides the key, no value deletes it (§6)."""
    if value is None:
        return {"delete_props": [key]}
    return {"override_props": {key: value}}
