"""Create a resource: manual placement on one node, or auto-place N with its filters.

Why both in one form: they are the two ways of ``r c`` and an operator switches between
them while looking at the preview (which nodes auto-place would pick is only known from
the controller's own placer, so the preview is where the choice becomes visible).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical

from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks, common
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import ChoiceField, FlagField, TextField

MODES = [("auto-place N replicas", "auto"), ("manual: one node", "manual")]


class ResourceForm(FormScreen):
    TITLE: ClassVar[str] = "Create resource"
    ACTION: ClassVar[str] = "Create resource"

    def fields(self) -> ComposeResult:
        m = common.model_of(self.backend)
        c = self.context
        rd_opts = common.rds(m)
        yield ChoiceField("Resource", "rd", rd_opts,
                          value=common.first_value(rd_opts, c.get("rd")))
        yield ChoiceField("Placement", "mode", MODES, value=c.get("mode", "auto"))
        with Vertical(id="auto"):
            yield TextField("Replicas", "count", value=str(c.get("count", "2")),
                            check=checks.int_range(*checks.PLACE_COUNT_RANGE, "replicas"))
            yield TextField("Storage pools", "pools", optional=True,
                            check=checks.name_list(checks.storage_pool_name),
                            placeholder="(any) pool1, pool2")
            yield TextField("Not with", "not-with", optional=True,
                            check=checks.name_list(checks.resource_name),
                            placeholder="(none) resources to avoid")
            yield TextField("Not with regex", "not-with-regex", optional=True,
                            check=checks.regex, placeholder="(none)")
            yield TextField("Same", "same", optional=True,
                            check=checks.name_list(checks.aux_key),
                            placeholder="(none) Aux/ keys: rack")
            yield TextField("Different", "different", optional=True,
                            check=checks.name_list(checks.aux_key),
                            placeholder="(none) Aux/ keys: room")
            yield FlagField("diskless on the remaining nodes", "diskless-remaining")
        with Vertical(id="manual"):
            node_opts = common.nodes(m, storage=True)
            yield ChoiceField("Node", "node", node_opts,
                              value=common.first_value(node_opts, c.get("node")))
            yield ChoiceField("Storage pool", "pool", [], required=False,
                              prompt="(default)")
            yield TextField("Node-id", "node-id", optional=True, placeholder="(auto)",
                            check=checks.int_range(*checks.NODE_ID_RANGE, "node-id"))
            yield FlagField("diskless (DRBD client)", "diskless")

    def on_mount(self) -> None:
        super().on_mount()
        self.sync_mode()

    def mode(self) -> str:
        return self.query_one("#mode-field", ChoiceField).value or "auto"

    def on_select_changed(self, event: Any) -> None:
        super().on_select_changed(event)
        if not self.form_ready:
            return
        self.sync_mode()

    def sync_mode(self) -> None:
        auto = self.mode() == "auto"
        self.query_one("#auto").display = auto
        self.query_one("#manual").display = not auto
        node = self.query_one("#node-field", ChoiceField).value
        pool = self.query_one("#pool-field", ChoiceField)
        opts = common.pools(common.model_of(self.backend), node)
        if [v for _l, v in opts] != getattr(self, "_pool_values", None):
            self._pool_values = [v for _l, v in opts]
            pool.set_options(opts)

    def _text(self, fid: str) -> str:
        return self.query_one(f"#{fid}-field", TextField).value

    def _flag(self, fid: str) -> bool:
        return bool(self.query_one(f"#{fid}-field", FlagField).value)

    def steps(self) -> list[Step]:
        rd = self.query_one("#rd-field", ChoiceField).value
        if self.mode() == "auto":
            req = PlaceRequest(
                place_count=int(self._text("count")),
                storage_pools=checks.split_list(self._text("pools")),
                do_not_place_with=checks.split_list(self._text("not-with")),
                do_not_place_with_regex=self._text("not-with-regex") or None,
                replicas_on_same=[_aux(k) for k in checks.split_list(self._text("same"))],
                replicas_on_different=[_aux(k) for k in
                                       checks.split_list(self._text("different"))],
                diskless_on_remaining=self._flag("diskless-remaining"))
            return [Step("autoplace", (rd, req))]
        node = self.query_one("#node-field", ChoiceField).value
        pool = self.query_one("#pool-field", ChoiceField).value
        nid = self._text("node-id")
        diskless = self._flag("diskless")
        return [Step("rsc_create", (rd, [node]), {
            "node_id": int(nid) if nid else None,
            "storage_pool": None if diskless else pool,  # a client uses no pool of ours
            "drbd_diskless": diskless})]


def _aux(k: str) -> str:
    return k if k.startswith("Aux/") else f"Aux/{k}"
