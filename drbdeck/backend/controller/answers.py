"""LINSTOR's success and warning texts (ApiSuccessUtils, ResponseUtils; linstor.md §7, §8).

Why a module: REST, CLI and console all print these, and python-linstor users grep them.
"""

from __future__ import annotations

from drbdeck.backend.controller import apicall as rc


def created(obj_mask: int, phrase: str, uuid: str, verb: str = "created",
            **refs: str) -> rc.ApiCallRc:
    """``New <phrase> created.`` (or ``registered.``) with its UUID in the details."""
    return rc.ApiCallRc(rc.CREATED | rc.MASK_CRT | obj_mask, f"New {phrase} {verb}.",
                        details=f"{phrase[0].upper()}{phrase[1:]} UUID is: {uuid}",
                        obj_refs={**refs, "UUID": uuid})


def modified(obj_mask: int, phrase: str, uuid: str, **refs: str) -> rc.ApiCallRc:
    return rc.ApiCallRc(rc.MODIFIED | rc.MASK_MOD | obj_mask,
                        f"{phrase[0].upper()}{phrase[1:]} modified.",
                        details=f"{phrase[0].upper()}{phrase[1:]} UUID is: {uuid}",
                        obj_refs={**refs, "UUID": uuid})


def deleted(obj_mask: int, phrase: str, uuid: str, **refs: str) -> rc.ApiCallRc:
    return rc.ApiCallRc(rc.DELETED | rc.MASK_DEL | obj_mask,
                        f"{phrase[0].upper()}{phrase[1:]} deleted.",
                        details=f"{phrase[0].upper()}{phrase[1:]} UUID was: {uuid}",
                        obj_refs={**refs, "UUID": uuid})


def props_set(op_mask: int, obj_mask: int, keys: list[str]) -> rc.ApiCallRc:
    return rc.ApiCallRc(rc.MODIFIED | op_mask | obj_mask,
                        "Successfully set property key(s): " + ",".join(keys))


def not_connected(node: str, op_mask: int, obj_mask: int) -> rc.ApiCallRc:
    return rc.ApiCallRc(
        rc.WARN_NOT_CONNECTED | op_mask | obj_mask,
        f"No active connection to satellite '{node}'",
        details="The controller is trying to (re-) establish a connection to the satellite. "
                "The controller stored the changes and as soon the satellite is connected, "
                "it will receive this update.",
        obj_refs={"Node": node},
    )


def node_phrase(n: str) -> str:
    return f"node '{n}'"


def rd_phrase(r: str) -> str:
    return f"resource definition '{r}'"


def vd_phrase(r: str, vnr: int) -> str:
    return f"volume definition with number '{vnr}' of resource definition '{r}'"


def rsc_phrase(r: str, n: str) -> str:
    return f"resource '{r}' on node '{n}'"


def sp_phrase(sp: str, n: str) -> str:
    return f"storage pool '{sp}' on node '{n}'"
