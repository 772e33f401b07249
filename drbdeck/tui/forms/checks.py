"""Field checks for the console's forms: the controller's own rules, as text in, error out.

Why a wrapper and not new rules: a form that accepts what the controller refuses (or the
other way round) teaches operators the wrong thing. Every check here calls the same
function the controller runs (names, sizes with LINSTOR units, property whitelist) and
turns its ApiError / SizeError into the one-line message shown under the field. Each
check takes the field's text and returns ``None`` when it is fine.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable

from drbdeck import units
from drbdeck.backend import resfile_options
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, props
from drbdeck.backend.controller.units import check_vd_size
from drbdeck.backend.satellite.endpoint import validate_host
from drbdeck.backend.satellite.errors import InvalidArgument

Check = Callable[[str], str | None]

#: DRBD ranges the forms offer (linstor.md §2, §3)
PORT_RANGE = (7000, 7999)
MINOR_RANGE = (0, (1 << 20) - 1)
NODE_ID_RANGE = (0, 31)
PEER_SLOTS_RANGE = (1, 31)
PLACE_COUNT_RANGE = (1, 31)
SSH_PORT_RANGE = (1, 65535)
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,31}$")


def _controller(fn: Callable[[str], object]) -> Check:
    def check(text: str) -> str | None:
        try:
            fn(text)
        except rc.ApiError as exc:
            return exc.entry.message
        return None
    return check


resource_name = _controller(names.resource_name)
storage_pool_name = _controller(names.storage_pool_name)
node_name = _controller(names.node_name)


def ip_address(text: str) -> str | None:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return f"'{text}' is not an IPv4 or IPv6 address (the DRBD replication address)"
    return None


def ssh_host(text: str) -> str | None:
    try:
        validate_host(text)
    except InvalidArgument as exc:
        return f"Invalid SSH host: {exc}"
    return None


def ssh_user(text: str) -> str | None:
    if not _USER.match(text):
        return ("1-32 characters from letters, digits, '.', '_', '-', not starting with a "
                "digit")
    return None


def size_kib(text: str) -> int:
    """The size in KiB (bare numbers are GiB, as ``vd c``); raises ValueError."""
    kib = units.parse_size_kib(text, "GiB", field="size")
    try:
        check_vd_size(kib)
    except rc.ApiError as exc:
        raise ValueError(exc.entry.message) from None
    return kib


def size(text: str) -> str | None:
    try:
        size_kib(text)
    except ValueError as exc:
        return str(exc)
    return None


def int_range(lo: int, hi: int, what: str) -> Check:
    def check(text: str) -> str | None:
        if not re.fullmatch(r"\d+", text.strip()) or not lo <= int(text) <= hi:
            return f"{what} must be an integer from {lo} to {hi}"
        return None
    return check


def regex(text: str) -> str | None:
    try:
        re.compile(text)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    return None


def name_list(item: Check) -> Check:
    """Comma- or space-separated names, each checked with ``item``."""
    def check(text: str) -> str | None:
        for part in split_list(text):
            why = item(part)
            if why:
                return why
        return None
    return check


def split_list(text: str) -> list[str]:
    return [p for p in re.split(r"[,\s]+", text.strip()) if p]


def aux_key(text: str) -> str | None:
    """``--replicas-on-same KEY``: the CLI adds ``Aux/``; the key must make a valid Aux."""
    name = text.partition("=")[0]  # "rack=a" pins the value, as the CLI allows
    k = name if name.startswith("Aux/") else f"Aux/{name}"
    return prop_key(props.Kind.NODE)(k)


def confirm(expected: str) -> Check:
    def check(text: str) -> str | None:
        return None if text == expected else f"type '{expected}' to confirm"
    return check


# ---- properties -------------------------------------------------------------------------
def prop_key(kind: props.Kind) -> Check:
    """Only the key: whitelisted for ``kind`` (the value is checked on its own)."""
    def check(text: str) -> str | None:
        try:
            props.check(kind, text, "\x00probe")
        except rc.ApiError as exc:
            msg = exc.entry.message
            return msg if msg.startswith("Invalid property key") or \
                msg.startswith("Property key") else None
        return None
    return check


def prop_value(kind: props.Kind, key_text: str) -> Check:
    def check(text: str) -> str | None:
        if prop_key(kind)(key_text):
            return None  # the key's own error says it
        try:
            props.check(kind, key_text, text)
        except rc.ApiError as exc:
            return exc.entry.message
        return None
    return check


def known_keys(kind: props.Kind) -> list[str]:
    """Completion list: whitelisted keys for ``kind``, ``Aux/``, and every valued DRBD
    option (``DrbdOptions/<Section>/<option>``) when ``kind`` may hold them."""
    return list(_known_keys(kind))


@functools.cache  # the tables are fixed: built once per kind, not per keystroke
def _known_keys(kind: props.Kind) -> tuple[str, ...]:
    out = sorted(k for k, (kinds, _c) in props.WHITELIST.items() if kind in kinds)
    out.append("Aux/")
    if prop_key(kind)("DrbdOptions/Net/protocol") is None:
        for section, option_section in props.DRBD_SECTIONS.items():
            for option, spec in sorted(resfile_options.SECTIONS[option_section].items()):
                if spec.kind != "flag":
                    out.append(f"DrbdOptions/{section}/{option}")
    return tuple(out)


__all__ = ["MINOR_RANGE", "NODE_ID_RANGE", "PEER_SLOTS_RANGE", "PLACE_COUNT_RANGE",
           "PORT_RANGE", "SSH_PORT_RANGE", "Check", "aux_key", "confirm", "int_range",
           "ip_address", "known_keys", "name_list", "node_name", "prop_key", "prop_value",
           "regex", "resource_name", "size", "size_kib", "split_list", "ssh_host",
           "ssh_user", "storage_pool_name"]
