"""Create a storage pool on a node; the VGs and thin pools offered are the node's own.

Why ask the node: a pool whose VG does not exist fails only later, on the node, at the
first ``lvcreate``. The form queries ``vgs``/``lvs`` through the backend when a node is
chosen, offers what it found (completion and the help line) and refuses a backing name
the node does not have (when the node answered at all).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult

from drbdeck import units
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import Provider
from drbdeck.backend.controller.ops_node import check_backing
from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks, common
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import ChoiceField, TextField

PROVIDERS = [("LVM (thick)", "LVM"), ("LVM_THIN", "LVM_THIN"), ("FILE", "FILE"),
             ("FILE_THIN", "FILE_THIN"), ("DISKLESS", "DISKLESS")]


class StoragePoolForm(FormScreen):
    TITLE: ClassVar[str] = "Create storage pool"
    ACTION: ClassVar[str] = "Create storage pool"

    def __init__(self, backend: Any, **context: Any) -> None:
        super().__init__(backend, **context)
        self.vgs: dict[str, int] = {}  # name → free KiB (what the node reported)
        self.thin: dict[str, int] = {}  # "vg/pool" → size KiB
        self.reported_for: str | None = None

    def fields(self) -> ComposeResult:
        m = common.model_of(self.backend)
        opts = common.nodes(m, storage=True)
        yield ChoiceField("Node", "node", opts,
                          value=common.first_value(opts, self.context.get("node")))
        yield TextField("Name", "name", value=self.context.get("name", ""),
                        check=checks.storage_pool_name, placeholder="pool1")
        yield ChoiceField("Provider", "provider", PROVIDERS,
                          value=self.context.get("provider", "LVM"))
        yield TextField("Backing", "backing", value=self.context.get("backing", ""),
                        check=self.check_backing, placeholder="VG, VG/thinpool or directory")

    def on_mount(self) -> None:
        super().on_mount()
        self.on_kind_or_node()

    def _node(self) -> str | None:
        return self.query_one("#node-field", ChoiceField).value

    def _provider(self) -> str:
        return self.query_one("#provider-field", ChoiceField).value or "LVM"

    def on_select_changed(self, event: Any) -> None:
        super().on_select_changed(event)
        if not self.form_ready:
            return
        self.on_kind_or_node()

    def on_kind_or_node(self) -> None:
        node = self._node()
        backing = self.query_one("#backing-field", TextField)
        backing.display = self._provider() != "DISKLESS"
        if node and node != self.reported_for and callable(
                getattr(self.backend, "query_storage", None)):
            backing.set_help(f"asking {node} for its volume groups …")
            self.query_storage(node)
        else:
            self.show_offer()

    @work(exclusive=True, group="query-storage")
    async def query_storage(self, node: str) -> None:
        try:
            vgs, lvs = await self.backend.query_storage(node)
        except Exception as exc:  # offline node: the operator may still type a name
            self.vgs, self.thin, self.reported_for = {}, {}, None
            self.query_one("#backing-field", TextField).set_help(
                f"{node} did not report its storage ({exc}); type the name")
            return
        self.vgs = {v.name: v.free_kib for v in vgs}
        self.thin = {f"{lv.vg}/{lv.name}": lv.size_kib for lv in lvs if lv.is_thin_pool}
        self.reported_for = node
        self.show_offer()
        self.schedule_preview()

    def offered(self) -> dict[str, str]:
        prov = self._provider()
        if prov == "LVM":
            return {n: f"{units.format_kib(f)} free" for n, f in sorted(self.vgs.items())}
        if prov == "LVM_THIN":
            return {n: units.format_kib(s) for n, s in sorted(self.thin.items())}
        return {}

    def show_offer(self) -> None:
        field = self.query_one("#backing-field", TextField)
        offer = self.offered()
        field.set_suggestions(offer)
        if self.reported_for is None or self._provider() not in ("LVM", "LVM_THIN"):
            field.set_help("")
            return
        if not offer:
            kind = "volume groups" if self._provider() == "LVM" else "thin pools"
            field.set_help(f"{self.reported_for} reports no {kind}")
            return
        field.set_help("on node: " + ", ".join(f"{n} ({d})" for n, d in offer.items()))
        if not field.value and len(offer) == 1:
            field.set_value(next(iter(offer)))

    def check_backing(self, text: str) -> str | None:
        prov = self._provider()
        try:  # the controller's own rule (VG name, vg/thinpool, absolute directory)
            check_backing(Provider(prov), text, self._node() or "", "")
        except rc.ApiError as exc:
            return exc.entry.message.replace("'StorDriver/StorPoolName' ", "backing ")
        offer = self.offered()
        if self.reported_for is not None and prov in ("LVM", "LVM_THIN") and \
                text not in offer:
            return f"{self.reported_for} has no {text!r}" + (
                f" (it has {', '.join(offer)})" if offer else "")
        return None

    def steps(self) -> list[Step]:
        prov = self._provider()
        node = self._node()
        name = self.query_one("#name-field", TextField).value
        props = {}
        if prov != "DISKLESS":
            props["StorDriver/StorPoolName"] = self.query_one("#backing-field",
                                                              TextField).value
        return [Step("storage_pool_create", (node, name, prov, props))]
