"""The shape of the grammar: groups with aliases, each holding commands with aliases.

LINSTOR's client is argparse with aliases on two levels plus a few quirks (``-s`` that
swallows positionals, options anywhere between positionals). Here the two levels are
plain lookups and each command gets its own argparse parser parsed *intermixed*, so
``r c alpha --node-id 4 beta r1`` and the seed's ``r c --node-id 4 -s fatpool power
legacy`` both work; a command's ``prepare`` hook rewrites argv for the remaining quirks.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from drbdeck.cli.linstor.request import Request

Builder = Callable[[argparse.Namespace], list[Request]]
#: renders the decoded JSON answers of a list command (one per request)
Renderer = Callable[[list[Any], argparse.Namespace, Console], None]


@dataclass(frozen=True)
class Command:
    """One sub-command. ``render`` is None for mutating commands (answers are ApiCallRc
    lists printed as SUCCESS/WARNING/ERROR messages)."""

    name: str
    aliases: tuple[str, ...]
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    build: Builder
    render: Renderer | None = None
    prepare: Callable[[list[str]], list[str]] | None = None

    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Group:
    """A LINSTOR object group (``node``/``n`` …)."""

    name: str
    aliases: tuple[str, ...]
    help: str
    commands: tuple[Command, ...]

    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def find(self, word: str) -> Command | None:
        return next((c for c in self.commands if word in c.words()), None)


class UsageError(ValueError):
    """Bad command-line input found after parsing (exit 2); names the argument."""


def parser_for(prog: str, command: Command) -> argparse.ArgumentParser:
    """The argparse parser of one command, exiting 2 on errors like LINSTOR's client."""
    parser = argparse.ArgumentParser(prog=prog, description=command.help)
    command.configure(parser)
    return parser
