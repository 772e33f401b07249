"""How the console's adopt form reaches the adoption service, and how it shows a result.

Why apart from the form: the form must not care where the controller runs. In-process the
service is called on the runtime (:mod:`drbdeck.backend.adopt`); attached to a remote
controller the form posts to ``/v1/drbdeck/adopt`` — the endpoint ``drbdeck adopt``
uses — at the backend's public ``url``. Either way the answer is the service's
``AdoptResult`` as JSON, so the form renders one shape.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import aiohttp
from rich.text import Text

from drbdeck.backend.controller.names import key

REST_PATH = "/v1/drbdeck/adopt"
#: an adoption waits for every node to apply its file; the CLI allows as long
REST_TIMEOUT_S = 300.0
_SPLIT = re.compile(r"[\s,]+")
Result = dict[str, Any]  # AdoptResult.as_json()


class ControllerAnswer(RuntimeError):
    """The remote controller answered, but not with results (HTTP error, odd body)."""


class AdoptClient:
    """How the form reaches the adoption service: the runtime, the REST endpoint, or not."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.runtime = getattr(backend, "runtime", None)
        url = getattr(backend, "url", None)
        self.url = url.rstrip("/") if isinstance(url, str) and url else None

    @property
    def unavailable(self) -> str | None:
        if self.runtime is not None or self.url is not None:
            return None
        return ("Adoption needs the in-process controller (drbdeck tui without "
                "--controllers) or a controller reachable over REST.")

    async def run(self, nodes: list[str], rsc: str, *, dry_run: bool, force: bool,
                  allow_larger: bool) -> Result:
        """One adoption (or its dry run) → the service's result as JSON; never raises."""
        flags = {"dry_run": dry_run, "force": force, "allow_larger": allow_larger}
        try:
            if self.runtime is not None:
                from drbdeck.backend.adopt import adopt

                return adopt_json(await adopt(self.runtime, nodes, rsc, **flags))
            got = await self._post({"nodes": nodes, "resource": rsc, **flags})
            return got[0] if got else {"resource": rsc, "error": "the controller sent no "
                                       "result"}
        except ControllerAnswer as exc:
            why = str(exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            why = f"cannot reach the controller at {self.url}: {str(exc) or type(exc).__name__}"
        except Exception as exc:  # never a traceback in the console
            why = f"{type(exc).__name__}: {exc}"
        return {"resource": rsc, "error": why, "executed": not dry_run, "rolled_back": None}

    async def unmanaged(self, node: str) -> dict[str, list[str]]:
        """Resources running on ``node`` that drbdeck does not manage → the nodes each runs
        on (drbdeck node names where known). In-process: the node's live DRBD state; remote:
        the endpoint's read-only ``all`` dry run (its plans name the nodes)."""
        if self.runtime is not None:
            return live_unmanaged(self.backend, node)
        if self.url is None:
            return {}
        out: dict[str, list[str]] = {}
        for r in await self._post({"all": node, "dry_run": True}):
            name = str(r.get("resource") or "")
            if name and name != "*":
                out[name] = plan_nodes(r.get("plan") or [], name) or [node]
        return out

    async def _post(self, body: dict[str, Any]) -> list[Result]:
        assert self.url is not None
        timeout = aiohttp.ClientTimeout(total=REST_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as s, \
                s.post(self.url + REST_PATH, json=body) as resp:
            data = await resp.json(content_type=None)
            if resp.status != 200 or not isinstance(data, dict):
                msg = data[0].get("message") if isinstance(data, list) and data and \
                    isinstance(data[0], dict) else data
                raise ControllerAnswer(f"the controller answered HTTP {resp.status}: {msg}")
            return [r for r in data.get("results") or [] if isinstance(r, dict)]


def adopt_json(result: Any) -> Result:
    return dict(result.as_json())


def live_unmanaged(backend: Any, node: str) -> dict[str, list[str]]:
    """From the node's events2 state: every resource drbdeck has no definition for, with
    the node and its peers (connection names, mapped to drbdeck node names)."""
    state = (getattr(backend, "states", {}) or {}).get(node)
    if state is None:
        return {}
    model = backend.model
    out: dict[str, list[str]] = {}
    for name, res in sorted(state.resources.items()):
        if name in model.rds:
            continue
        hosts = [node]
        for c in res.connections.values():
            peer = model.nodes.get(c.name) if c.name else None
            name_of = peer.name if peer is not None else c.name
            if name_of and key(name_of) not in {key(h) for h in hosts}:
                hosts.append(name_of)
        out[name] = hosts
    return out


def plan_nodes(plan: list[str], rsc: str) -> list[str]:
    """The nodes of a plan's ``drbdeck resource create … NODE RSC`` lines."""
    out: list[str] = []
    for line in plan:
        words = shlex.split(line.strip()) if "resource create" in line else []
        if len(words) >= 2 and words[:3] == ["drbdeck", "resource", "create"] \
                and words[-1] == rsc:
            out.append(words[-2])
    return out


def split_nodes(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.strip()) if w]


def render_result(r: Result) -> Text:
    """A dry run's plan, or the refusal with what to do instead, or the failure."""
    out = Text()
    ref = r.get("refusal")
    if ref:
        out.append(f"✗ Refused: {ref.get('reason', '')}\n", style="bold red")
        out.append(f"  Instead: {ref.get('instead', '')}\n", style="red")
        out.append("Nothing would be changed.", style="dim")
        return out
    if r.get("error"):
        out.append(f"✗ {r['error']}\n", style="bold red")
        if r.get("executed"):
            out.append(undone_text(r), style="red")
        return out
    for i, line in enumerate(r.get("plan") or []):
        style = "bold" if i == 0 else "yellow" if line.lstrip().startswith("note:") \
            else "cyan" if ": mv " in line else "dim" if line.startswith("  One ") or \
            line.startswith("  hand-written") or line.startswith("  (") else ""
        out.append(line + "\n", style=style)
    out.rstrip()
    return out


def undone_text(r: Result) -> str:
    if r.get("rolled_back"):
        return "Rolled back: everything was undone, the hand-written files are restored."
    if r.get("rolled_back") is False:
        return "NOT everything could be undone — check the nodes and the event log."
    return "Whether anything changed is unknown — check the event log."


__all__ = ["REST_PATH", "AdoptClient", "ControllerAnswer", "Result", "live_unmanaged", "plan_nodes",
           "render_result", "split_nodes", "undone_text"]
