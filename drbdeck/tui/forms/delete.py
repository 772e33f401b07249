"""Delete a node, resource definition, volume definition or one replica — typed confirmation.

Why typing the name: a delete takes data off disks (``lvremove``); pressing Enter on the
wrong row must not be enough. The preview lists exactly which node loses what.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Static

from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks
from drbdeck.tui.forms.base import FormInvalid, FormScreen
from drbdeck.tui.forms.fields import TextField

#: what → (title, the context keys it needs)
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "resource-definition": ("resource definition", ("rd",)),
    "resource": ("replica", ("rd", "node")),
    "volume-definition": ("volume definition", ("rd", "volume")),
    "node": ("node", ("node",)),
}


class DeleteForm(FormScreen):
    """``open_form(app, "delete", what="resource-definition", rd="web")`` and so on."""

    TITLE: ClassVar[str] = "Delete"
    ACTION: ClassVar[str] = "Delete"
    PREVIEW_IGNORES: ClassVar[frozenset[str]] = frozenset({"confirm"})

    def __init__(self, backend: Any, **context: Any) -> None:
        what = context.get("what") or ("resource" if context.get("node") and
                                       context.get("rd") else
                                       "resource-definition" if context.get("rd")
                                       else "node")
        if what not in TARGETS:
            raise ValueError(f"delete: 'what' must be one of {', '.join(TARGETS)}")
        missing = [k for k in TARGETS[what][1] if context.get(k) in (None, "")]
        if missing:
            raise ValueError(f"delete {what}: needs {', '.join(missing)}")
        super().__init__(backend, **context)
        self.what = what
        self.ACTION = f"Delete {TARGETS[what][0]}"  # type: ignore[misc]
        self.TITLE = self.ACTION  # type: ignore[misc]

    def expected(self) -> str:
        """What the operator types: the object's own name (``rd/volume`` for a VD)."""
        c = self.context
        if self.what == "volume-definition":
            return f"{c['rd']}/{c['volume']}"
        return str(c["node"] if self.what == "node" else c["rd"])

    def describe(self) -> str:
        c = self.context
        if self.what == "resource-definition":
            return f"resource definition {c['rd']} and all its replicas"
        if self.what == "resource":
            return f"the replica of {c['rd']} on {c['node']}"
        if self.what == "volume-definition":
            return f"volume {c['volume']} of {c['rd']}"
        return f"node {c['node']}"

    def fields(self) -> ComposeResult:
        yield Static(f"Delete {self.describe()}.\nType [b]{self.expected()}[/b] to confirm.",
                     id="delete-what")
        yield TextField("Confirm", "confirm", check=checks.confirm(self.expected()),
                        placeholder="(type the name)")

    def steps(self) -> list[Step]:
        c = self.context
        if self.what == "resource-definition":
            return [Step("rd_delete", (c["rd"],))]
        if self.what == "resource":
            return [Step("rsc_delete", (c["rd"], c["node"]))]
        if self.what == "node":
            return [Step("node_delete", (c["node"],))]
        try:
            vnr = int(c["volume"])
        except (TypeError, ValueError):
            raise FormInvalid(f"volume number {c['volume']!r} is not a number") from None
        return [Step("vd_delete", (c["rd"], vnr))]
