"""Create a resource definition with its volume definitions (sizes in LINSTOR units).

Why one form for both: an RD without volumes is never what an operator wants, and
``rd c`` + ``vd c`` ×N are sent in order (stopping at the first refusal), previewed
together in one rolled-back transaction so a clash (minor in use) shows before sending.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button

from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import TextField

MAX_VOLUMES = 16


def volume_fields(n: int, size: str = "") -> list[TextField]:
    return [
        TextField(f"Volume {n} size", f"size-{n}", value=size, check=checks.size,
                  placeholder="10G (K, M, G, T; MB, GB …; bare number = GiB)"),
        TextField(f"Volume {n} minor", f"minor-{n}", optional=True, placeholder="(auto)",
                  check=checks.int_range(*checks.MINOR_RANGE, "minor")),
    ]


class ResourceDefinitionForm(FormScreen):
    TITLE: ClassVar[str] = "Create resource definition"
    ACTION: ClassVar[str] = "Create resource definition"
    KEYS_HINT: ClassVar[str] = "ctrl+n add volume · ctrl+x remove"
    BINDINGS: ClassVar[list[BindingType]] = [
        *FormScreen.BINDINGS,
        Binding("ctrl+n", "add_volume", "Add volume"),
        Binding("ctrl+x", "remove_volume", "Remove last volume"),
    ]

    def __init__(self, backend: Any, **context: Any) -> None:
        super().__init__(backend, **context)
        self.volumes = 1

    def fields(self) -> ComposeResult:
        c = self.context
        yield TextField("Name", "name", value=c.get("name", ""), check=checks.resource_name,
                        placeholder="web")
        yield TextField("Port", "port", optional=True, value=str(c.get("port", "")),
                        placeholder="(auto from 7000-7999)",
                        check=checks.int_range(*checks.PORT_RANGE, "port"))
        yield TextField("Peer slots", "peer-slots", optional=True,
                        value=str(c.get("peer_slots", "")), placeholder="(7)",
                        check=checks.int_range(*checks.PEER_SLOTS_RANGE, "peer slots"))
        with Vertical(id="volumes"):
            yield from volume_fields(0, c.get("size", ""))
        yield Button("+ volume (ctrl+n)", id="add-volume", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-volume":
            self.action_add_volume()

    def action_add_volume(self) -> None:
        if self.volumes >= MAX_VOLUMES:
            return
        box = self.query_one("#volumes", Vertical)
        new = volume_fields(self.volumes)
        self.volumes += 1
        box.mount_all(new)
        self.call_after_refresh(new[0].input.focus)
        self.schedule_preview()

    def action_remove_volume(self) -> None:
        if self.volumes <= 1:
            return
        self.volumes -= 1
        for fid in (f"size-{self.volumes}", f"minor-{self.volumes}"):
            self.query_one(f"#{fid}-field").remove()
        self.schedule_preview()

    def _text(self, fid: str) -> str:
        return self.query_one(f"#{fid}-field", TextField).value

    def steps(self) -> list[Step]:
        name = self._text("name")
        port, slots = self._text("port"), self._text("peer-slots")
        out = [Step("rd_create", (name,), {"port": int(port) if port else None,
                                           "peer_slots": int(slots) if slots else None})]
        for n in range(self.volumes):
            minor = self._text(f"minor-{n}")
            out.append(Step("vd_create", (name, checks.size_kib(self._text(f"size-{n}"))),
                            {"number": n, "minor": int(minor) if minor else None}))
        return out
