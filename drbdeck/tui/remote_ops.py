"""The Operations method set over the controller's REST API (for ``RemoteBackend``).

Why the same signatures as ``Operations``: forms call ``backend.ops.rd_create(...)`` and
must not care whether the controller runs in this process. Each method builds LINSTOR's
v1 request body, and the answer list comes back as ``ApiCallRc`` entries; a transport
failure or a non-LINSTOR answer becomes one error entry (the form shows it like any other
refusal), never an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.placement import PlaceRequest

#: ``request(method, path, body) -> (status, decoded JSON or text)``
Request = Callable[[str, str, Any], Awaitable[tuple[int, Any]]]


def _seg(name: str | int) -> str:
    return quote(str(name), safe="")


def _rd(rd: str) -> str:
    return f"/v1/resource-definitions/{_seg(rd)}"


def answers(status: int, body: Any) -> list[rc.ApiCallRc]:
    """LINSTOR's answer list → entries; anything else → one error entry."""
    if isinstance(body, list) and all(isinstance(x, dict) and "ret_code" in x for x in body):
        return [rc.ApiCallRc.from_json(x) for x in body]
    text = body if isinstance(body, str) else repr(body)
    return [rc.ApiCallRc(rc.FAIL_IMPL_ERROR, f"Controller answered HTTP {status}: "
                         f"{text[:300]}")]


def _props(override: dict[str, str] | None, delete: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if override:
        out["override_props"] = dict(override)
    if delete:
        out["delete_props"] = list(delete)
    return out


class RemoteOps:
    """``await ops.rsc_create(...)`` etc. over REST; see the module docstring."""

    def __init__(self, request: Request, after: Callable[[], Any] | None = None) -> None:
        self._request = request
        self._after = after  # called after every change (the backend re-reads its lists)

    async def _call(self, method: str, path: str, body: Any = None) -> list[rc.ApiCallRc]:
        try:
            status, data = await self._request(method, path, body)
        except Exception as exc:
            return [rc.ApiCallRc(rc.FAIL_IMPL_ERROR, f"Cannot reach the controller: {exc}",
                                 details="Nothing may have been changed; check the log.")]
        out = answers(status, data)
        if self._after is not None:
            self._after()
        return out

    # ---- nodes -----------------------------------------------------------------------
    async def node_create(self, name: str, address: str, node_type: str | None = None, *,
                          ssh_host: str | None = None, ssh_port: int | None = None,
                          ssh_user: str | None = None,
                          props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        body: dict[str, Any] = {"name": name, "net_interfaces": [
            {"name": "default", "address": address}]}
        if node_type:
            body["type"] = node_type
        if props:
            body["props"] = dict(props)
        ssh = {k: v for k, v in (("host", ssh_host), ("port", ssh_port), ("user", ssh_user))
               if v is not None}
        if ssh:
            body["ssh"] = ssh
        return await self._call("POST", "/v1/nodes", body)

    async def node_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._call("DELETE", f"/v1/nodes/{_seg(name)}")

    async def node_modify(self, name: str, *, override: dict[str, str] | None = None,
                          delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._call("PUT", f"/v1/nodes/{_seg(name)}", _props(override, delete))

    async def controller_modify(self, *, override: dict[str, str] | None = None,
                                delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        out: list[rc.ApiCallRc] = []
        if override:
            out += await self._call("POST", "/v1/controller/properties",
                                    {"override_props": dict(override)})
        for k in delete:
            out += await self._call("DELETE", f"/v1/controller/properties/{quote(k)}")
        return out

    # ---- storage pools ---------------------------------------------------------------
    async def storage_pool_create(self, node: str, name: str, provider: str,
                                  props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        body: dict[str, Any] = {"storage_pool_name": name, "provider_kind": provider}
        if props:
            body["props"] = dict(props)
        return await self._call("POST", f"/v1/nodes/{_seg(node)}/storage-pools", body)

    async def storage_pool_delete(self, node: str, name: str) -> list[rc.ApiCallRc]:
        return await self._call("DELETE", f"/v1/nodes/{_seg(node)}/storage-pools/{_seg(name)}")

    # ---- definitions -----------------------------------------------------------------
    async def rd_create(self, name: str, *, port: int | None = None,
                        peer_slots: int | None = None, resource_group: str | None = None,
                        layers: Sequence[str] | None = None,
                        props: dict[str, str] | None = None, **_: Any) -> list[rc.ApiCallRc]:
        d: dict[str, Any] = {"name": name}
        if resource_group:
            d["resource_group_name"] = resource_group
        if props:
            d["props"] = dict(props)
        body: dict[str, Any] = {"resource_definition": d}
        if port is not None:
            body["drbd_port"] = port
        if peer_slots is not None:
            body["drbd_peer_slots"] = peer_slots
        return await self._call("POST", "/v1/resource-definitions", body)

    async def rd_modify(self, name: str, *, override: dict[str, str] | None = None,
                        delete: Sequence[str] = (), peer_slots: int | None = None,
                        port: int | None = None) -> list[rc.ApiCallRc]:
        body = _props(override, delete)
        if peer_slots is not None:
            body["drbd_peer_slots"] = peer_slots
        if port is not None:
            body["drbd_port"] = port
        return await self._call("PUT", _rd(name), body)

    async def rd_set_property(self, name: str, key: str,
                              value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.rd_modify(name, delete=[key])
        return await self.rd_modify(name, override={key: value})

    async def rd_delete(self, name: str) -> list[rc.ApiCallRc]:
        return await self._call("DELETE", _rd(name))

    async def vd_create(self, rd: str, size_kib: int, *, number: int | None = None,
                        minor: int | None = None, gross: bool = False,
                        props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        vd: dict[str, Any] = {"size_kib": size_kib}
        if number is not None:
            vd["volume_number"] = number
        if gross:
            vd["flags"] = ["GROSS_SIZE"]
        if props:
            vd["props"] = dict(props)
        body: dict[str, Any] = {"volume_definition": vd}
        if minor is not None:
            body["drbd_minor_number"] = minor
        return await self._call("POST", f"{_rd(rd)}/volume-definitions", body)

    async def vd_modify(self, rd: str, number: int, *, override: dict[str, str] | None = None,
                        delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._call("PUT", f"{_rd(rd)}/volume-definitions/{number}",
                                _props(override, delete))

    async def vd_set_property(self, rd: str, number: int, key: str,
                              value: str | None) -> list[rc.ApiCallRc]:
        if value is None:
            return await self.vd_modify(rd, number, delete=[key])
        return await self.vd_modify(rd, number, override={key: value})

    async def vd_delete(self, rd: str, number: int) -> list[rc.ApiCallRc]:
        return await self._call("DELETE", f"{_rd(rd)}/volume-definitions/{number}")

    # ---- resources -------------------------------------------------------------------
    async def rsc_create(self, rd: str, nodes: Sequence[str], *, node_id: int | None = None,
                         storage_pool: str | None = None, diskless: bool = False,
                         drbd_diskless: bool = False, tcp_port: int | None = None,
                         props: dict[str, str] | None = None) -> list[rc.ApiCallRc]:
        items = []
        for n in nodes:
            p = dict(props or {})
            if storage_pool:
                p["StorPoolName"] = storage_pool
            r: dict[str, Any] = {"node_name": n, "props": p}
            flags = [f for f, on in (("DISKLESS", diskless), ("DRBD_DISKLESS", drbd_diskless))
                     if on]
            if flags:
                r["flags"] = flags
            item: dict[str, Any] = {"resource": r}
            if node_id is not None:
                item["drbd_node_id"] = node_id
            if tcp_port is not None:
                item["drbd_tcp_ports"] = [tcp_port]
            items.append(item)
        return await self._call("POST", f"{_rd(rd)}/resources", items)

    async def autoplace(self, rd: str, request: PlaceRequest) -> list[rc.ApiCallRc]:
        sf: dict[str, Any] = {}
        for field, value in (("place_count", request.place_count),
                             ("additional_place_count", request.additional_place_count),
                             ("storage_pool_list", request.storage_pools),
                             ("provider_list", request.provider_list),
                             ("not_place_with_rsc", request.do_not_place_with),
                             ("not_place_with_rsc_regex", request.do_not_place_with_regex),
                             ("replicas_on_same", request.replicas_on_same),
                             ("replicas_on_different", request.replicas_on_different),
                             ("x_replicas_on_different_map",
                              request.x_replicas_on_different)):
            if value:
                sf[field] = value
        body = {"select_filter": sf, "diskless_on_remaining": request.diskless_on_remaining}
        return await self._call("POST", f"{_rd(rd)}/autoplace", body)

    async def make_available(self, rd: str, node: str, *,
                             diskful: bool = False) -> list[rc.ApiCallRc]:
        return await self._call("POST", f"{_rd(rd)}/resources/{_seg(node)}/make-available",
                                {"diskful": diskful})

    async def rsc_modify(self, rd: str, node: str, *, override: dict[str, str] | None = None,
                         delete: Sequence[str] = ()) -> list[rc.ApiCallRc]:
        return await self._call("PUT", f"{_rd(rd)}/resources/{_seg(node)}",
                                _props(override, delete))

    async def rsc_delete(self, rd: str, node: str) -> list[rc.ApiCallRc]:
        return await self._call("DELETE", f"{_rd(rd)}/resources/{_seg(node)}")


__all__ = ["RemoteOps", "answers"]
