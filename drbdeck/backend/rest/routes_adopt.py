"""``POST /v1/drbdeck/adopt``: adopt hand-made DRBD resources (drbdeck-specific, not LINSTOR).

Why in the controller: only the controller has the SSH links to read the nodes and the
reconcilers that apply the result, so the CLI asks it over REST like every other command.

Body: ``{"nodes": ["eagle", "rabbit"], "resource": "legacy"}`` or ``{"all": "eagle"}``,
plus optional booleans ``dry_run``, ``force``, ``allow_larger``. Answer (HTTP 200 even for
a refusal — it is a normal answer, not a transport error): ``{"results": [AdoptResult…]}``
with each result's plan lines, refusal (reason + what to do instead) or error and whether
it was rolled back. A malformed body is a 400 naming the field; a controller without node
links (REST-only test apps) answers 501.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from drbdeck.backend.adopt import adopt, adopt_all
from drbdeck.backend.rest.body import BadRequest, decode
from drbdeck.backend.rest.context import CTX, json_response, not_implemented

routes = web.RouteTableDef()
_FLAGS = ("dry_run", "force", "allow_larger")
_KNOWN = {"nodes", "resource", "all", *_FLAGS}


def _str_list(body: dict[str, Any], field: str) -> list[str]:
    v = body.get(field)
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
        raise BadRequest(f"Field '{field}' must be a non-empty list of node names.")
    return v


@routes.post("/v1/drbdeck/adopt")
async def adopt_route(request: web.Request) -> web.Response:
    body = decode(await request.read())
    unknown = sorted(set(body) - _KNOWN)
    if unknown:
        raise BadRequest(f"Unknown field(s) {', '.join(unknown)}: allowed are "
                         f"{', '.join(sorted(_KNOWN))}.")
    flags = {}
    for f in _FLAGS:
        v = body.get(f, False)
        if not isinstance(v, bool):
            raise BadRequest(f"Field '{f}' must be true or false.")
        flags[f] = v
    if ("all" in body) == ("resource" in body):
        raise BadRequest("Give either 'resource' (with 'nodes') or 'all' (a node name).")
    rt = request.app[CTX].ops.runtime
    if rt is None:
        return not_implemented("Adoption (this controller has no node links)")
    if "all" in body:
        node = body["all"]
        if not isinstance(node, str) or not node:
            raise BadRequest("Field 'all' must be a node name.")
        results = await adopt_all(rt, node, **flags)
    else:
        name = body["resource"]
        if not isinstance(name, str) or not name:
            raise BadRequest("Field 'resource' must be a resource name.")
        results = [await adopt(rt, _str_list(body, "nodes"), name, **flags)]
    return json_response({"results": [r.as_json() for r in results]})


__all__ = ["routes"]
