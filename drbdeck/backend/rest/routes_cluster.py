"""REST routes for the controller, nodes, storage pools, their definitions and groups."""

from __future__ import annotations

from aiohttp import web

from drbdeck import __version__
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

REST_API_VERSION = "1.28.0"
routes = web.RouteTableDef()


async def read_body(request: web.Request) -> Body:
    return Body(decode(await request.read()))


def props_change(b: Body) -> tuple[dict[str, str], list[str]]:
    """``override_props`` / ``delete_props`` / ``delete_namespaces`` of a modify body."""
    override = b.props("override_props")
    delete = b.str_list("delete_props")
    namespaces = b.str_list("delete_namespaces")
    return override, delete + [f"__ns__:{n}" for n in namespaces]


def expand_namespaces(current: dict[str, str], delete: list[str]) -> list[str]:
    """Turn ``__ns__:Aux`` markers into the keys under that namespace."""
    out: list[str] = []
    for d in delete:
        if d.startswith("__ns__:"):
            ns = d[len("__ns__:"):].rstrip("/") + "/"
            out += [k for k in current if k.startswith(ns)]
        else:
            out.append(d)
    return out


@routes.get("/v1/controller/version")
async def version(request: web.Request) -> web.Response:
    return json_response({"version": __version__, "git_hash": "drbdeck",
                          "build_time": "", "rest_api_version": REST_API_VERSION})


@routes.get("/v1/controller/properties")
async def ctrl_props(request: web.Request) -> web.Response:
    return json_response(dict(request.app[CTX].ops.model.controller_props))


@routes.post("/v1/controller/properties")
async def ctrl_props_set(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    override, delete = props_change(await read_body(request))
    delete = expand_namespaces(ops.model.controller_props, delete)
    return answer(await ops.controller_modify(override=override, delete=delete), created=True)


@routes.delete("/v1/controller/properties/{key:.+}")
async def ctrl_props_delete(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    return answer(await ops.controller_modify(delete=[request.match_info["key"]]))


# ---- nodes ----------------------------------------------------------------------------
@routes.get("/v1/nodes")
async def node_list(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    wanted = names_query(request, "nodes")
    pq = props_query(request)
    out = [ser.node(n, ctx.status_of(n)) for n in ctx.ops.node_list(wanted)
           if props_match(n.props, pq)]
    return json_response(out)


@routes.get("/v1/nodes/{node}")
async def node_get(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    name = request.match_info["node"]
    n = ctx.ops.model.nodes.get(name)
    if n is None:
        return error_answer(rc.FAIL_NOT_FOUND_NODE, f"Node '{name}' not found.", 404,
                            Node=name)
    return json_response(ser.node(n, ctx.status_of(n)))


@routes.post("/v1/nodes")
async def node_create(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    name = b.str("name")
    nets = b.obj_list("net_interfaces")
    if not nets:
        raise BadRequest("Field 'net_interfaces' is required: a list with at least one "
                         "interface object carrying 'address'.")
    address = nets[0].str("address")
    ssh = b.obj("ssh")
    kwargs: dict[str, object] = {}
    if ssh is not None:
        kwargs = {"ssh_host": ssh.opt_str("host"), "ssh_port": ssh.opt_int("port"),
                  "ssh_user": ssh.opt_str("user")}
    entries = await ops.node_create(name, address, b.opt_str("type"),
                                    props=b.props("props"), **kwargs)  # type: ignore[arg-type]
    return answer(entries, created=True)


@routes.put("/v1/nodes/{node}")
async def node_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    if b.has("node_type"):
        return not_implemented("Changing a node's type")
    name = request.match_info["node"]
    override, delete = props_change(b)
    n = ops.model.nodes.get(name)
    delete = expand_namespaces(n.props if n else {}, delete)
    return answer(await ops.node_modify(name, override=override, delete=delete))


@routes.delete("/v1/nodes/{node}")
async def node_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.node_delete(request.match_info["node"]))


# ---- storage pools --------------------------------------------------------------------
def _pools(request: web.Request, node: str | None = None) -> list[dict[str, object]]:
    m = request.app[CTX].ops.model
    nodes = {key(node)} if node is not None else names_query(request, "nodes")
    pools = names_query(request, "storage_pools")
    pq = props_query(request)
    out = []
    for (nk, pk), p in sorted(m.pools.items()):
        if (nodes is None or nk in nodes) and (pools is None or pk in pools) \
                and props_match(p.props, pq):
            out.append(ser.storage_pool(p))
    return out


@routes.get("/v1/view/storage-pools")
async def sp_view(request: web.Request) -> web.Response:
    return json_response(_pools(request))


@routes.get("/v1/nodes/{node}/storage-pools")
async def sp_list(request: web.Request) -> web.Response:
    name = request.match_info["node"]
    if name not in request.app[CTX].ops.model.nodes:
        return error_answer(rc.FAIL_NOT_FOUND_NODE, f"Node '{name}' not found.", 404,
                            Node=name)
    return json_response(_pools(request, name))


@routes.get("/v1/nodes/{node}/storage-pools/{pool}")
async def sp_get(request: web.Request) -> web.Response:
    node, pool = request.match_info["node"], request.match_info["pool"]
    p = request.app[CTX].ops.model.pools.get((key(node), key(pool)))
    if p is None:
        return error_answer(rc.FAIL_NOT_FOUND_STOR_POOL,
                            f"Storage pool '{pool}' on node '{node}' not found.", 404,
                            Node=node, StorPool=pool)
    return json_response([ser.storage_pool(p)])


@routes.post("/v1/nodes/{node}/storage-pools")
async def sp_create(request: web.Request) -> web.Response:
    b = await read_body(request)
    entries = await request.app[CTX].ops.storage_pool_create(
        request.match_info["node"], b.str("storage_pool_name"), b.str("provider_kind"),
        b.props("props"))
    return answer(entries, created=True)


@routes.delete("/v1/nodes/{node}/storage-pools/{pool}")
async def sp_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.storage_pool_delete(
        request.match_info["node"], request.match_info["pool"]))


@routes.put("/v1/nodes/{node}/storage-pools/{pool}")
async def sp_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    override, delete = props_change(b)
    pool = ops.model.pools.get((request.match_info["node"].upper(),
                                request.match_info["pool"].upper()))
    delete = expand_namespaces(pool.props if pool else {}, delete)
    return answer(await ops.storage_pool_modify(
        request.match_info["node"], request.match_info["pool"], override=override,
        delete=delete))


# ---- storage pool definitions, resource groups ----------------------------------------
@routes.get("/v1/storage-pool-definitions")
async def spd_list(request: web.Request) -> web.Response:
    m = request.app[CTX].ops.model
    wanted = names_query(request, "storage_pools")
    return json_response([ser.storage_pool_dfn(d) for k, d in sorted(m.spds.items())
                          if wanted is None or k in wanted])


@routes.get("/v1/storage-pool-definitions/{spd}")
async def spd_get(request: web.Request) -> web.Response:
    name = request.match_info["spd"]
    d = request.app[CTX].ops.model.spds.get(name)
    if d is None:
        return error_answer(rc.FAIL_NOT_FOUND_STOR_POOL_DFN,
                            f"Storage pool definition '{name}' not found.", 404,
                            StorPoolDfn=name)
    return json_response([ser.storage_pool_dfn(d)])


@routes.post("/v1/storage-pool-definitions")
async def spd_create(request: web.Request) -> web.Response:
    b = await read_body(request)
    return answer(await request.app[CTX].ops.storage_pool_dfn_create(
        b.str("storage_pool_name")), created=True)


@routes.delete("/v1/storage-pool-definitions/{spd}")
async def spd_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.storage_pool_dfn_delete(request.match_info["spd"]))


@routes.get("/v1/resource-groups")
async def rg_list(request: web.Request) -> web.Response:
    m = request.app[CTX].ops.model
    wanted = names_query(request, "resource_groups")
    return json_response([ser.resource_group(g) for k, g in sorted(m.rgs.items())
                          if wanted is None or k in wanted])


@routes.get("/v1/resource-groups/{rg}")
async def rg_get(request: web.Request) -> web.Response:
    name = request.match_info["rg"]
    g = request.app[CTX].ops.model.rgs.get(name)
    if g is None:
        return error_answer(rc.FAIL_NOT_FOUND_RSC_GRP, f"Resource group '{name}' not found.",
                            404, RscGrp=name)
    return json_response(ser.resource_group(g))


_RG_FILTER_SUPPORTED = {"place_count", "storage_pool_list", "storage_pool"}


@routes.post("/v1/resource-groups")
async def rg_create(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    sf = b.obj("select_filter") or Body({}, "select_filter")
    unsupported = sorted(k for k, v in sf.data.items()
                         if v is not None and k not in _RG_FILTER_SUPPORTED)
    if unsupported:
        return not_implemented("Resource group select filter " + ", ".join(unsupported))
    pools = sf.str_list("storage_pool_list")
    if sf.opt_str("storage_pool"):
        pools = [sf.str("storage_pool"), *pools]
    return answer(await ops.rg_create(b.str("name"), place_count=sf.opt_int("place_count"),
                                      storage_pools=pools,
                                      description=b.opt_str("description") or "",
                                      props=b.props("props"),
                                      peer_slots=b.opt_int("peer_slots")), created=True)


@routes.put("/v1/resource-groups/{rg}")
async def rg_modify(request: web.Request) -> web.Response:
    ops = request.app[CTX].ops
    b = await read_body(request)
    sf = b.obj("select_filter") or Body({}, "select_filter")
    unsupported = sorted(k for k, v in sf.data.items()
                         if v is not None and k not in _RG_FILTER_SUPPORTED)
    if unsupported:
        return not_implemented("Resource group select filter " + ", ".join(unsupported))
    pools: list[str] | None = None
    if sf.has("storage_pool_list") or sf.opt_str("storage_pool"):
        pools = sf.str_list("storage_pool_list")
        if sf.opt_str("storage_pool"):
            pools = [sf.str("storage_pool"), *pools]
    override, delete = props_change(b)
    rg = ops.model.rgs.get(request.match_info["rg"])
    delete = expand_namespaces(rg.props if rg else {}, delete)
    return answer(await ops.rg_modify(request.match_info["rg"], override=override,
                                      delete=delete, place_count=sf.opt_int("place_count"),
                                      storage_pools=pools,
                                      description=b.opt_str("description")))


@routes.delete("/v1/resource-groups/{rg}")
async def rg_delete(request: web.Request) -> web.Response:
    return answer(await request.app[CTX].ops.rg_delete(request.match_info["rg"]))


@routes.post("/v1/resource-groups/{rg}/spawn")
async def rg_spawn(request: web.Request) -> web.Response:
    b = await read_body(request)
    sizes = b.int_list("volume_sizes")
    if any(s <= 0 for s in sizes):
        raise BadRequest("Field 'volume_sizes' must hold positive sizes in KiB, got "
                         f"{sizes}.")
    req, extras = place_request(b)
    if extras["diskless_type"] or extras["diskless_pools"]:
        return not_implemented("Spawn select filter diskless_type / "
                               "storage_pool_diskless_list")
    entries = await request.app[CTX].ops.rg_spawn(
        request.match_info["rg"], b.str("resource_definition_name"), sizes, request=req,
        definitions_only=b.bool("definitions_only"),
        external_name=b.opt_str("resource_definition_external_name"))
    return answer(entries, created=True)
