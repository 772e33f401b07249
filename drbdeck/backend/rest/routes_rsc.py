"""REST routes for resource definitions, volume definitions, resources and their views."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.names import key
from drbdeck.backend.rest import serialize as ser
from drbdeck.backend.rest.autoplace import place_request
from drbdeck.backend.rest.body import BadRequest, Body, decode
from drbdeck.backend.rest.context import (
    CTX,
    answer,
    error_answer,
    json_response,
    names_query,
    not_implemented,
    props_match,
    props_query,
)
from drbdeck.backend.rest.events import stream
from drbdeck.backend.rest.routes_cluster import expand_namespaces, props_change, read_body

routes = web.RouteTableDef()
RD = "/v1/resource-definitions/{rd}"
_RSC_FLAGS = {"DISKLESS", "DRBD_DISKLESS", "INACTIVE", "NVME_INITIATOR", "EBS_INITIATOR"}


def _rd_missing(name: str) -> web.Response:
    return error_answer(rc.FAIL_NOT_FOUND_RSC_DFN, f"Resource definition '{name}' not found.",
                        404, RscDfn=name)


def _layers(values: list[str], field: str) -> list[str]:
    """drbdeck stacks DRBD on STORAGE only; anything else is refused up front."""
    up = [v.upper() for v in values]
    if up and up not in (["DRBD", "STORAGE"], ["DRBD"]):
        raise BadRequest(f"Field '{field}' must be [\"drbd\", \"storage\"] (drbdeck supports "
                         f"only DRBD on storage), got {values}.")
    return up


# ---- resource definitions -------------------------------------------------------------
@routes.get("/v1/resource-definitions")
async def rd_list(request: web.Request) -> web.Response:
    m = request.app[CTX].ops.model
    wanted = names_query(request, "resource_definitions")
    with_vds = request.query.get("with_volume_definitions", "").lower() == "true"
    pq = props_query(request)
    out = [ser.resource_definition(rd, with_vds, m) for k, rd in sorted(m.rds.items())
           if (wanted is None or k in wanted) and props_match(rd.props, pq)]
    return json_response(out)


@routes.get(RD)
async def rd_get(request: web.Request) -> web.Response:
    name = request.match_info["rd"]
    m = request.app[CTX].ops.model
    rd = m.rds.get(name)
    if rd is None:
        return _rd_missing(name)
    return json_response(ser.resource_definition(rd, True, m))


@routes.post("/v1/resource-definitions")
async def rd_create(request: web.Request) -> web.Response:
    b = await read_body(request)
    d = b.obj("resource_definition", required=True)
    assert d is not None
    layer_types = [x.str("type") for x in d.obj_list("layer_data")]
    layers = _layers(layer_types, "resource_definition.layer_data")
    entries = await request.app[CTX].ops.rd_create(
        d.str("name"), port=b.opt_int("drbd_port"), peer_slots=b.opt_int("drbd_peer_slots"),
        resource_group=d.opt_str("resource_group_name"), layers=layers or None,
        props=d.props("props"), secret=b.opt_str("drbd_secret"))
    return answer(entries, created=True)


@routes.put(RD)
async def rd_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    name = request.match_info["rd"]
    b = await read_body(request)
    for field in ("resource_group", "layer_stack"):
        if b.has(field):
            return not_implemented(f"Changing a resource definition's {field}")
    override, delete = props_change(b)
    rd = ops.model.rds.get(name)
    delete = expand_namespaces(rd.props if rd else {}, delete)
    return answer(await ops.rd_modify(name, override=override, delete=delete,
                                      peer_slots=b.opt_int("drbd_peer_slots"),
                                      port=b.opt_int("drbd_port")))


@routes.delete(RD)
async def rd_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.rd_delete(request.match_info["rd"]))


# ---- volume definitions ---------------------------------------------------------------
def _vnr(request: web.Request) -> int:
    text = request.match_info["vnr"]
    if not text.isdigit():
        raise BadRequest(f"Volume number '{text}' in the path must be a non-negative integer.")
    return int(text)


@routes.get(RD + "/volume-definitions")
async def vd_list(request: web.Request) -> web.Response:
    name = request.match_info["rd"]
    rd = request.app[CTX].ops.model.rds.get(name)
    if rd is None:
        return _rd_missing(name)
    return json_response([ser.volume_definition(rd, vd) for _, vd in sorted(rd.volumes.items())])


@routes.get(RD + "/volume-definitions/{vnr}")
async def vd_get(request: web.Request) -> web.Response:
    name, vnr = request.match_info["rd"], _vnr(request)
    rd = request.app[CTX].ops.model.rds.get(name)
    if rd is None:
        return _rd_missing(name)
    vd = rd.volumes.get(vnr)
    if vd is None:
        return error_answer(rc.FAIL_NOT_FOUND_VLM_DFN, f"Volume definition with number "
                            f"'{vnr}' of resource definition '{name}' not found.", 404,
                            RscDfn=name, VlmNr=str(vnr))
    return json_response(ser.volume_definition(rd, vd))


@routes.post(RD + "/volume-definitions")
async def vd_create(request: web.Request) -> web.Response:
    b = await read_body(request)
    vd = b.obj("volume_definition", required=True)
    assert vd is not None
    flags = {f.upper() for f in vd.str_list("flags")}
    if flags - {"GROSS_SIZE"}:
        raise BadRequest(f"Field 'volume_definition.flags' may hold only GROSS_SIZE, got "
                         f"{sorted(flags)}.")
    entries = await request.app[CTX].ops.vd_create(
        request.match_info["rd"], vd.int("size_kib"), number=vd.opt_int("volume_number"),
        minor=b.opt_int("drbd_minor_number"), gross="GROSS_SIZE" in flags,
        props=vd.props("props"))
    return answer(entries, created=True)


@routes.put(RD + "/volume-definitions/{vnr}")
async def vd_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    name, vnr = request.match_info["rd"], _vnr(request)
    b = await read_body(request)
    if b.has("size_kib") or b.has("flags"):
        return not_implemented("Resizing a volume definition or changing its flags")
    override, delete = props_change(b)
    rd = ops.model.rds.get(name)
    vd = rd.volumes.get(vnr) if rd else None
    delete = expand_namespaces(vd.props if vd else {}, delete)
    return answer(await ops.vd_modify(name, vnr, override=override, delete=delete))


@routes.delete(RD + "/volume-definitions/{vnr}")
async def vd_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.vd_delete(request.match_info["rd"],
                                                       _vnr(request)))


# ---- resources ------------------------------------------------------------------------
def _rsc_item(item: Body) -> tuple[str, dict[str, Any]]:
    """One entry of the resource-create list → (node, rsc_create keyword arguments)."""
    r = item.obj("resource", required=True)
    assert r is not None
    node = r.str("node_name")
    props = r.props("props")
    flags = {f.upper() for f in r.str_list("flags")}
    unknown = flags - _RSC_FLAGS
    if unknown:
        raise BadRequest(f"Field '{r.where}.flags' has unknown flag(s) {sorted(unknown)}; "
                         f"known: {sorted(_RSC_FLAGS)}.")
    _layers(item.str_list("layer_list"), f"{item.where}.layer_list")
    ports = item.int_list("drbd_tcp_ports")
    kwargs: dict[str, Any] = {
        "node_id": item.opt_int("drbd_node_id"),
        "storage_pool": props.pop("StorPoolName", None),
        "diskless": "DISKLESS" in flags,
        "drbd_diskless": "DRBD_DISKLESS" in flags or item.bool("drbd_client"),
        "tcp_port": ports[0] if ports else None,
        "props": props,
    }
    if flags & {"INACTIVE", "NVME_INITIATOR", "EBS_INITIATOR"}:
        kwargs["unsupported"] = sorted(flags & {"INACTIVE", "NVME_INITIATOR", "EBS_INITIATOR"})
    return node, kwargs


@routes.post(RD + "/resources")
async def rsc_create(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    rd = request.match_info["rd"]
    items = decode(await request.read(), want=list)
    parsed = [_rsc_item(Body(x, f"[{i}]") if isinstance(x, dict) else
                        _not_obj(i, x)) for i, x in enumerate(items)]
    if not parsed:
        raise BadRequest("Request body must list at least one resource.")
    for _, kw in parsed:
        if "unsupported" in kw:
            return not_implemented(f"Resource flag(s) {', '.join(kw['unsupported'])}")
    # the same options for every node → one call, one transaction (all or nothing)
    first = parsed[0][1]
    if all(kw == first for _, kw in parsed):
        return answer(await ops.rsc_create(rd, [n for n, _ in parsed], **first),
                      created=True)
    entries: list[rc.ApiCallRc] = []
    for node, kw in parsed:
        got = await ops.rsc_create(rd, [node], **kw)
        entries += got
        if any(e.is_error() for e in got):
            break
    return answer(entries, created=True)


def _not_obj(i: int, x: object) -> Body:
    raise BadRequest(f"Field '[{i}]' must be a JSON object, got {type(x).__name__}.")


def _resource_views(request: web.Request, rd: str | None = None,
                    node: str | None = None) -> str:
    """The JSON list text of the replicas the query selects (cached per replica)."""
    ctx = request.app[CTX]
    m = ctx.ops.model
    nodes = {key(node)} if node is not None else names_query(request, "nodes")
    rds = {key(rd)} if rd is not None else names_query(request, "resources")
    pools = names_query(request, "storage_pools")
    pq = props_query(request)
    view = ser.ResourceView(m, ctx.observed)
    if rds is not None:
        candidates = [r for k in sorted(rds) for r in m.resources.of_rd(k)]
    else:
        candidates = list(m.resources.values())
    if nodes is not None or pools is not None or pq:
        candidates = [
            r for r in candidates
            if (nodes is None or key(r.node) in nodes)
            and (pools is None or (r.storage_pool is not None
                                   and key(r.storage_pool) in pools))
            and (not pq or props_match(r.props, pq))]
    return ctx.views.render(view, candidates)


def _text(body: str) -> web.Response:
    return web.Response(text=body, content_type="application/json")


@routes.get("/v1/view/resources")
async def rsc_view(request: web.Request) -> web.Response:
    return _text(_resource_views(request))


@routes.get(RD + "/resources")
async def rsc_list(request: web.Request) -> web.Response:
    name = request.match_info["rd"]
    if name not in request.app[CTX].ops.model.rds:
        return _rd_missing(name)
    return _text(_resource_views(request, rd=name))


@routes.get(RD + "/resources/{node}")
async def rsc_get(request: web.Request) -> web.Response:
    name, node = request.match_info["rd"], request.match_info["node"]
    out = _resource_views(request, rd=name, node=node)
    if out == "[]":
        return error_answer(rc.FAIL_NOT_FOUND_RSC,
                            f"Resource '{name}' on node '{node}' not found.", 404,
                            RscDfn=name, Node=node)
    return _text(out)


@routes.put(RD + "/resources/{node}")
async def rsc_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    name, node = request.match_info["rd"], request.match_info["node"]
    override, delete = props_change(await read_body(request))
    r = ops.model.resources.get((key(name), key(node)))
    delete = expand_namespaces(r.props if r else {}, delete)
    return answer(await ops.rsc_modify(name, node, override=override, delete=delete))


@routes.delete(RD + "/resources/{node}")
async def rsc_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.rsc_delete(request.match_info["rd"],
                                                       request.match_info["node"]))


@routes.post(RD + "/resources/{node}/make-available")
async def rsc_make_available(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    _layers(b.str_list("layer_list"), "layer_list")
    return answer(await ops.make_available(request.match_info["rd"],
                                           request.match_info["node"],
                                           diskful=b.bool("diskful")), created=True)


@routes.post(RD + "/autoplace")
async def rsc_autoplace(request: web.Request) -> web.Response:
    """Body checked into a ``PlaceRequest``; placed by ``ops.autoplace(rd, request)``."""
    req, _extras = place_request(await read_body(request))
    return answer(await request.app[CTX].ops.autoplace(request.match_info["rd"], req),
                  created=True)


@routes.get("/v1/events/drbd")
async def events_drbd(request: web.Request) -> web.StreamResponse:
    return await stream(request, request.app[CTX].events)
