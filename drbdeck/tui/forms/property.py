"""Set or delete a property on the controller, a node, an RD, a VD or one replica.

Why completion from the whitelist: the controller refuses unknown keys (a typo in
``DrbdOptions/Net/protocoll`` must fail here, not in drbdadm); completing from the same
table the controller checks against makes the right key the easy one to type, and the
value is checked by the same rule (DRBD options like drbdadm would).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical

from drbdeck.backend.controller.props import Kind
from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks, common
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import ChoiceField, TextField

TARGETS = [("controller", "controller"), ("node", "node"),
           ("resource definition", "resource-definition"),
           ("volume definition", "volume-definition"), ("resource (replica)", "resource")]
KINDS = {"controller": Kind.CONTROLLER, "node": Kind.NODE, "resource-definition": Kind.RSC_DFN,
         "volume-definition": Kind.VLM_DFN, "resource": Kind.RESOURCE}
#: which object fields each target needs
NEEDS = {"controller": (), "node": ("node",), "resource-definition": ("rd",),
         "volume-definition": ("rd", "volume"), "resource": ("rd", "node")}
ACTIONS = [("set", "set"), ("delete", "delete")]


class PropertyForm(FormScreen):
    """``open_form(app, "property", target="resource-definition", rd="web", key=...)``."""

    TITLE: ClassVar[str] = "Set or delete a property"
    ACTION: ClassVar[str] = "Set property"

    def fields(self) -> ComposeResult:
        m = common.model_of(self.backend)
        c = self.context
        yield ChoiceField("Object", "target", TARGETS, value=c.get("target", "controller"))
        with Vertical(id="object"):
            rd_opts = common.rds(m)
            yield ChoiceField("Resource", "rd", rd_opts,
                              value=common.first_value(rd_opts, c.get("rd")))
            yield TextField("Volume", "volume", value=str(c.get("volume", "0")),
                            check=checks.int_range(0, 65534, "volume number"))
            node_opts = common.nodes(m)
            yield ChoiceField("Node", "node", node_opts,
                              value=common.first_value(node_opts, c.get("node")))
        yield ChoiceField("Action", "action", ACTIONS, value=c.get("action", "set"))
        yield TextField("Key", "key", value=c.get("key", ""), check=self.check_key,
                        placeholder="DrbdOptions/Net/protocol, Aux/rack … (→ completes)")
        yield TextField("Value", "value", value=c.get("value", ""), check=self.check_value,
                        placeholder="C")

    def on_mount(self) -> None:
        super().on_mount()
        self.sync_target()

    def target(self) -> str:
        return self.query_one("#target-field", ChoiceField).value or "controller"

    def kind(self) -> Kind:
        return KINDS[self.target()]

    def deleting(self) -> bool:
        return self.query_one("#action-field", ChoiceField).value == "delete"

    def on_select_changed(self, event: Any) -> None:
        super().on_select_changed(event)
        if not self.form_ready:
            return
        self.sync_target()

    def sync_target(self) -> None:
        needs = NEEDS[self.target()]
        for fid in ("rd", "volume", "node"):
            self.query_one(f"#{fid}-field").display = fid in needs
        self.query_one("#object").display = bool(needs)
        self.query_one("#value-field").display = not self.deleting()
        key_field = self.query_one("#key-field", TextField)
        if getattr(self, "_kind_shown", None) != self.kind():
            self._kind_shown = self.kind()
            key_field.set_suggestions(checks.known_keys(self.kind()))
            key_field.set_help(f"keys for a {self.kind().value}; → accepts the completion")
            if key_field.value:
                key_field.show_error(key_field.error())

    def check_key(self, text: str) -> str | None:
        if self.deleting():
            return None  # deleting an unknown key is harmless (LINSTOR does the same)
        why = checks.prop_key(self.kind())(text)
        if why and not text.startswith("Aux/"):
            more = [k for k in checks.known_keys(self.kind())
                    if k.lower().startswith(text.lower()) and k != text]
            if more:
                return f"incomplete key: → completes to {more[0]}" + (
                    f" ({len(more)} keys start so)" if len(more) > 1 else "")
        return why

    def check_value(self, text: str) -> str | None:
        return checks.prop_value(self.kind(), self._text("key"))(text)

    def _text(self, fid: str) -> str:
        return self.query_one(f"#{fid}-field", TextField).value

    def steps(self) -> list[Step]:
        k = self._text("key")
        change: dict[str, Any] = {"delete": [k]} if self.deleting() else \
            {"override": {k: self.query_one("#value-field", TextField).input.value}}
        t = self.target()
        rd = self.query_one("#rd-field", ChoiceField).value
        node = self.query_one("#node-field", ChoiceField).value
        if t == "controller":
            return [Step("controller_modify", (), change)]
        if t == "node":
            return [Step("node_modify", (node,), change)]
        if t == "resource-definition":
            return [Step("rd_modify", (rd,), change)]
        if t == "volume-definition":
            return [Step("vd_modify", (rd, int(self._text("volume"))), change)]
        return [Step("rsc_modify", (rd, node), change)]
