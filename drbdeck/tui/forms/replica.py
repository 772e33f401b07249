"""Make a resource available on a node, add a replica, remove a replica.

Why three small forms and not the resource form: each answers one question an operator
has while looking at one resource ("let this VM host open it", "one more copy here",
"drop the copy there"), so each offers only the nodes that make sense for it: nodes
without a replica for the first two, nodes holding one for the last.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult

from drbdeck.backend.preview import Step
from drbdeck.tui.forms import common
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import ChoiceField, FlagField


class _ReplicaForm(FormScreen):
    HOLDING: ClassVar[bool] = False

    def fields(self) -> ComposeResult:
        m = common.model_of(self.backend)
        rd_opts = common.rds(m)
        rd = common.first_value(rd_opts, self.context.get("rd"))
        yield ChoiceField("Resource", "rd", rd_opts, value=rd)
        node_opts = common.replica_nodes(m, rd, holding=self.HOLDING)
        yield ChoiceField("Node", "node", node_opts,
                          value=common.first_value(node_opts, self.context.get("node")))
        yield from self.more_fields()

    def more_fields(self) -> ComposeResult:
        yield from ()

    def on_select_changed(self, event: Any) -> None:
        super().on_select_changed(event)
        if not self.form_ready:
            return
        if getattr(event, "select", None) is not None and event.select.id == "rd":
            rd = self.query_one("#rd-field", ChoiceField).value
            self.query_one("#node-field", ChoiceField).set_options(
                common.replica_nodes(common.model_of(self.backend), rd,
                                     holding=self.HOLDING))
        self.more_changed()

    def more_changed(self) -> None:
        pass

    def chosen(self) -> tuple[str, str]:
        return (self.query_one("#rd-field", ChoiceField).value,
                self.query_one("#node-field", ChoiceField).value)


class MakeAvailableForm(_ReplicaForm):
    TITLE: ClassVar[str] = "Make available (DRBD client on a node)"
    ACTION: ClassVar[str] = "Make available"

    def more_fields(self) -> ComposeResult:
        yield FlagField("diskful (a full replica, not a client)", "diskful")

    def steps(self) -> list[Step]:
        rd, node = self.chosen()
        diskful = bool(self.query_one("#diskful-field", FlagField).value)
        return [Step("make_available", (rd, node), {"diskful": diskful})]


class AddReplicaForm(_ReplicaForm):
    TITLE: ClassVar[str] = "Add a replica"
    ACTION: ClassVar[str] = "Add replica"

    def more_fields(self) -> ComposeResult:
        yield ChoiceField("Storage pool", "pool", [], required=False, prompt="(default)")

    def on_mount(self) -> None:
        super().on_mount()
        self.more_changed()

    def more_changed(self) -> None:
        node = self.query_one("#node-field", ChoiceField).value
        opts = common.pools(common.model_of(self.backend), node)
        if [v for _l, v in opts] != getattr(self, "_pool_values", None):
            self._pool_values = [v for _l, v in opts]
            self.query_one("#pool-field", ChoiceField).set_options(opts)

    def steps(self) -> list[Step]:
        rd, node = self.chosen()
        pool = self.query_one("#pool-field", ChoiceField).value
        return [Step("rsc_create", (rd, [node]), {"storage_pool": pool})]


class RemoveReplicaForm(_ReplicaForm):
    TITLE: ClassVar[str] = "Remove a replica"
    ACTION: ClassVar[str] = "Remove replica"
    HOLDING: ClassVar[bool] = True

    def steps(self) -> list[Step]:
        rd, node = self.chosen()
        return [Step("rsc_delete", (rd, node))]
