"""``controller`` / ``c``: version and controller-wide properties."""

from __future__ import annotations

import argparse

from drbdeck.cli.linstor import views
from drbdeck.cli.linstor.request import Request
from drbdeck.cli.linstor.spec import Command, Group


def build_version(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", "/v1/controller/version")]


def build_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", "/v1/controller/properties")]


def _configure_sp(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?", help="none: delete the key")


def build_sp(a: argparse.Namespace) -> list[Request]:
    """Set posts ``override_props``; delete posts ``delete_props`` (as python-linstor)."""
    if a.value is None:
        return [Request("POST", "/v1/controller/properties", {"delete_props": [a.key]})]
    return [Request("POST", "/v1/controller/properties", {"override_props": {a.key: a.value}})]


def _none(p: argparse.ArgumentParser) -> None:
    """No arguments."""


GROUP = Group(
    "controller",
    ("c",),
    "the controller itself",
    (
        Command("version", ("v",), "controller version", _none, build_version, views.show_version),
        Command("list-properties", ("lp",), "controller properties", _none, build_lp,
                views.show_flat_props),
        Command("set-property", ("sp",), "set or delete a controller property",
                _configure_sp, build_sp),
    ),
)  # fmt: skip
