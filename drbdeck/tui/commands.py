"""The console's one command table: key bindings, the footer, `?` help and the palette.

Why one table: help that lists keys the app does not have, or a palette offering what a
key cannot do, is worse than none. Every entry becomes an app binding; ``check_action``
hides what does not apply to the current view (or changes something in a read-only
console), and the help screen and the palette list exactly the bindings that are active.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

#: View ids, in number-key order.
VIEWS = ("resources", "nodes", "placement", "log")
VIEW_TITLES = {"resources": "Resources", "nodes": "Nodes", "placement": "Placement",
               "log": "Log"}
ALL = frozenset({*VIEWS, "detail", "node"})


@dataclass(frozen=True)
class Command:
    """One action: its keys (first is shown), footer title, help text and where it applies."""

    keys: str  # comma-separated Textual key names
    action: str  # an app action ("view('nodes')", "form('node')")
    title: str
    help: str
    scopes: frozenset[str] = ALL
    mutating: bool = False
    show: bool = True
    key_display: str | None = None

    @property
    def name(self) -> str:
        """The action's method name (``view``, ``form`` …)."""
        return self.action.partition("(")[0]

    @property
    def argument(self) -> str:
        return self.action.partition("(")[2].rstrip(")").strip("'\"")

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.title, show=self.show,
                       key_display=self.key_display, tooltip=self.help)


def _form(keys: str, kind: str, title: str, help_text: str, scopes: frozenset[str] = ALL,
          show: bool = False, key_display: str | None = None) -> Command:
    return Command(keys, f"form('{kind}')", title, help_text, scopes, mutating=True,
                   show=show, key_display=key_display)


_RSC = frozenset({"resources", "placement", "detail"})
COMMANDS: tuple[Command, ...] = (
    Command("1", "view('resources')", "Resources", "Resources: live DRBD state, problems "
            "first", show=False),
    Command("2", "view('nodes')", "Nodes", "Nodes: SSH link, storage pools, host figures",
            show=False),
    Command("3", "view('placement')", "Placement", "Placement matrix: resources × nodes",
            show=False),
    Command("4", "view('log')", "Log", "Log: controller operations, state changes and "
            "every command sent to a node", show=False),
    Command("slash", "filter", "Filter", "Filter the log (a leading ! shows lines NOT "
            "matching)", frozenset({"log"}), key_display="/"),
    _form("n", "node", "New node", "Register a node (checks its SSH host key first)",
          frozenset(VIEWS)),
    _form("s", "storage-pool", "New pool", "Create a storage pool on a node (VGs and thin "
          "pools offered from what the node reports)", frozenset(VIEWS) | {"node"}),
    _form("d", "resource-definition", "Define", "Create a resource definition with its "
          "volume definitions", frozenset(VIEWS)),
    _form("c", "resource", "Place", "Create replicas of a resource: manual or auto-place",
          _RSC),
    _form("m", "make-available", "Make available", "Make a resource available on a node "
          "(diskless if it holds no replica)", _RSC),
    _form("a", "add-replica", "Add replica", "Add a replica of a resource on a node", _RSC),
    _form("r", "remove-replica", "Remove replica", "Remove a replica of a resource from a "
          "node", _RSC),
    _form("A", "adopt", "Adopt", "Adopt a hand-made DRBD resource running on the nodes "
          "(no disconnect, no resync; shows the plan first)",
          frozenset(VIEWS) | {"detail", "node"}),
    _form("e", "property", "Property", "Set or delete a property (keys from the whitelist)"),
    Command("delete,ctrl+d", "delete", "Delete", "Delete the selected object (asks for a "
            "typed confirmation)", frozenset({"resources", "nodes", "placement", "detail",
                                               "node"}),
            mutating=True, show=False, key_display="del"),
    Command("x", "chaos", "Chaos", "Fault injection: stop/start nodes, cut/restore links"),
    Command("question_mark", "help", "Help", "Help for the focused widget and its keys",
            key_display="?"),
    Command("colon", "command_palette", "Cmds", "Command palette (also ctrl+p)",
            key_display=":"),
    Command("escape", "back", "Back", "Back to the previous screen", frozenset({"detail",
                                                                                "node"})),
    Command("q", "quit", "Quit", "Quit the console"),
)

BY_ACTION = {c.action: c for c in COMMANDS}


def command_for(action: str, parameters: tuple[object, ...] = ()) -> Command | None:
    """The table entry for an action as Textual reports it to ``check_action``."""
    if parameters:
        return BY_ACTION.get(f"{action}('{parameters[0]}')")
    return BY_ACTION.get(action)


__all__ = ["ALL", "BY_ACTION", "COMMANDS", "VIEWS", "VIEW_TITLES", "Command", "command_for"]
