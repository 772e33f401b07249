"""LINSTOR's autoplace body → ``placement.PlaceRequest``.

Why separate: the body's select filter has many optional fields of different types; each
is checked here (400 naming the field) before anything reaches the operations, and the
route stays a few lines. The diskless type (``DRBD_DISKLESS``) and layer/provider lists
are checked for what drbdeck supports.
"""

from __future__ import annotations

from typing import Any

from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.rest.body import BadRequest, Body

_KNOWN = {"place_count", "additional_place_count", "storage_pool", "storage_pool_list",
          "storage_pool_diskless_list", "not_place_with_rsc", "not_place_with_rsc_regex",
          "replicas_on_same", "replicas_on_different", "x_replicas_on_different_map",
          "layer_stack", "provider_list", "diskless_on_remaining", "diskless_type"}


def _str_int_map(sf: Body, field: str) -> dict[str, int]:
    v = sf.data.get(field)
    if v is None:
        return {}
    if not isinstance(v, dict) or not all(
            isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool)
            for k, n in v.items()):
        raise BadRequest(f"Field 'select_filter.{field}' must be an object of string keys "
                         "to integers.")
    return dict(v)


def place_request(body: Body) -> tuple[PlaceRequest, dict[str, Any]]:
    """(PlaceRequest, extras) where extras holds ``diskless_type`` (or None)."""
    sf = body.obj("select_filter") or Body({}, "select_filter")
    unknown = sorted(k for k in sf.data if k not in _KNOWN)
    if unknown:
        raise BadRequest(f"Field 'select_filter' has unknown key(s) {unknown}; known: "
                         f"{sorted(_KNOWN)}.")
    pools = sf.str_list("storage_pool_list")
    single = sf.opt_str("storage_pool")
    if single:
        pools = [single, *pools]
    layers = [x.upper() for x in sf.str_list("layer_stack") + body.str_list("layer_list")]
    if layers and layers not in (["DRBD", "STORAGE"], ["DRBD", "STORAGE"] * 2):
        raise BadRequest(f"Field 'select_filter.layer_stack' must be [\"drbd\", \"storage\"] "
                         f"(drbdeck supports only DRBD on storage), got {layers}.")
    dtype = sf.opt_str("diskless_type")
    if dtype is not None and dtype.upper() != "DRBD_DISKLESS":
        raise BadRequest(f"Field 'select_filter.diskless_type' must be DRBD_DISKLESS, "
                         f"got {dtype!r}.")
    remaining = body.data.get("diskless_on_remaining")
    if remaining is None:
        remaining = sf.data.get("diskless_on_remaining")
    if remaining is not None and not isinstance(remaining, bool):
        raise BadRequest("Field 'diskless_on_remaining' must be true, false or null.")
    for field in ("place_count", "additional_place_count"):
        n = sf.opt_int(field)
        if n is not None and n < 0:
            raise BadRequest(f"Field 'select_filter.{field}' must not be negative, got {n}.")
    req = PlaceRequest(
        place_count=sf.opt_int("place_count"),
        additional_place_count=sf.opt_int("additional_place_count"),
        storage_pools=pools,
        provider_list=[p.upper() for p in sf.str_list("provider_list")],
        do_not_place_with=sf.str_list("not_place_with_rsc"),
        do_not_place_with_regex=sf.opt_str("not_place_with_rsc_regex"),
        replicas_on_same=sf.str_list("replicas_on_same"),
        replicas_on_different=sf.str_list("replicas_on_different"),
        x_replicas_on_different=_str_int_map(sf, "x_replicas_on_different_map"),
        diskless_on_remaining=bool(remaining),
    )
    return req, {"diskless_type": dtype.upper() if dtype else None,
                 "diskless_pools": sf.str_list("storage_pool_diskless_list")}
