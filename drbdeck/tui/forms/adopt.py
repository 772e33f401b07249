"""Adopt a DRBD resource set up by hand: pick it, read the dry run's plan, type its name.

Why a form of its own and not the base form's preview: adoption is not a list of facade
calls whose node commands can be computed from the database — the plan comes from reading
the nodes (``drbdadm dump``, ``drbdsetup show``, sizes) and may end in a refusal. So the
preview pane shows the adoption service's own dry run (the equivalent drbdeck commands and
the per-node file moves, or the reason it is refused and what to do instead), run in a
worker whenever the resource, its nodes or the Force / allow-larger switches change. The
operator confirms by typing the resource name, as for a delete: the step moves a
hand-written file away and puts the resource under the controller, so Enter on the wrong
row must not be enough. The execution runs in a worker too; a failure part-way was rolled
back by the service, and the form says whether that went through.

Where the service runs: an in-process console calls :mod:`drbdeck.backend.adopt` on its
runtime; a console attached to a remote controller posts to ``/v1/drbdeck/adopt`` (the
endpoint ``drbdeck adopt`` uses); a backend with neither says so and sends nothing.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Select, Static

from drbdeck.backend.controller.names import key
from drbdeck.backend.preview import Step
from drbdeck.tui.forms import common
from drbdeck.tui.forms.adopt_client import (
    AdoptClient,
    Result,
    live_unmanaged,
    render_result,
    split_nodes,
    undone_text,
)
from drbdeck.tui.forms.base import FormInvalid, FormScreen
from drbdeck.tui.forms.fields import ChoiceField, FlagField, TextField, displayed, invalid_fields
from drbdeck.tui.logline import LogLine

#: how often the list of unmanaged resources is re-read from the live states
RELIST_S = 2.0


class AdoptForm(FormScreen):
    """``open_form(app, "adopt", node=…, resource=…, nodes=[…])`` (all optional)."""

    TITLE: ClassVar[str] = "Adopt a hand-made DRBD resource"
    ACTION: ClassVar[str] = "Adopt"
    PREVIEW_IGNORES: ClassVar[frozenset[str]] = frozenset({"confirm"})
    KEYS_HINT: ClassVar[str] = "ctrl+r dry run again"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "rerun", "Dry run again", priority=True)]
    AUTO_FOCUS = None
    #: the plan is the point of this form: fields take what they need, the plan the rest
    DEFAULT_CSS = """
    AdoptForm.-narrow #form-fields { height: auto; max-height: 55%; }
    AdoptForm.-narrow #preview-box { height: 1fr; max-height: 100%; }
    AdoptForm #preview-scroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, backend: Any, **context: Any) -> None:
        super().__init__(backend, **context)
        self.client = AdoptClient(backend)
        self.plan_key: tuple[Any, ...] | None = None
        self.plan_result: Result | None = None
        self.hosts: dict[str, list[str]] = {}
        nodes = context.get("nodes")
        self.ctx_nodes = split_nodes(nodes) if isinstance(nodes, str) else \
            [str(n) for n in nodes or []]
        node = context.get("node") or (self.ctx_nodes[0] if self.ctx_nodes else None)
        rsc = context.get("resource") or context.get("rd")
        states = getattr(backend, "states", {}) or {}
        if node is None and rsc:  # the first node whose live state runs it
            node = next((n for n, st in sorted(states.items()) if rsc in st.resources), None)
        if node is None and self.client.runtime is not None:  # one with something to adopt
            node = next((n for n in sorted(states) if live_unmanaged(backend, n)), None)
        self.ctx_node, self.ctx_rsc = node, rsc

    # ---- fields ---------------------------------------------------------------------
    def fields(self) -> ComposeResult:
        yield Static("No disconnect, no resync. The plan is a dry run: nothing changes "
                     "until you type the name.", id="adopt-intro")
        opts = common.nodes(common.model_of(self.backend), storage=True)
        yield ChoiceField("Node", "node", opts, value=common.first_value(opts, self.ctx_node))
        rsc_opts = [(self.ctx_rsc, self.ctx_rsc)] if self.ctx_rsc else []
        none = self.client.runtime is not None and not self.ctx_node
        yield ChoiceField("Resource", "resource", rsc_opts, value=self.ctx_rsc,
                          help_text="no node runs a DRBD resource that drbdeck does not "
                          "manage" if none else "",
                          prompt="(reading the node …)" if self.ctx_node else
                          "(choose a node first)")
        yield TextField("Runs on", "nodes", value=" ".join(self.ctx_nodes),
                        check=self.check_nodes,
                        placeholder="every node with the resource, space-separated")
        yield FlagField("Force: adopt even if not connected/UpToDate", "force",
                        value=bool(self.context.get("force")))
        yield FlagField("Allow larger LVs (AllowLargerVolumeSize)", "allow-larger",
                        value=bool(self.context.get("allow_larger")))
        yield TextField("Confirm", "confirm", check=self.check_confirm,
                        placeholder="(type the resource name)")

    def on_mount(self) -> None:
        # Textual also runs FormScreen.on_mount (handlers are called along the MRO)
        self.query_one("#preview-title", Static).update(
            "── plan (dry run): what adoption will do ──")
        self.update_confirm_text()
        self.focus_first()
        # fields.MarkedCheckbox's own watch_value replaces the one that posts
        # Checkbox.Changed, so the switches are watched here to re-run the dry run
        for fid in ("force", "allow-larger"):
            box = self.query_one(f"#{fid}-field", FlagField).control()
            self.watch(box, "value", lambda _v: self.schedule_preview(), init=False)
        self.relist()
        if self.client.runtime is not None:  # cheap: read from the live states
            self.set_interval(RELIST_S, self.relist)

    def focus_first(self) -> None:
        """The first thing still to do: the node, the resource, or typing the name
        (``AUTO_FOCUS`` is off so that this, not the first widget, decides)."""
        if self.focused is not None and displayed(self.focused):
            return
        self.focus_next_step()

    def focus_next_step(self) -> None:
        target: Any = self.query_one("#confirm", Input)
        for fid in ("node", "resource"):
            if self.query_one(f"#{fid}-field", ChoiceField).value is None:
                target = self.query_one(f"#{fid}", Select)
                break
        target.focus()
        self._auto_focused = target

    def check_nodes(self, text: str) -> str | None:
        names = split_nodes(text)
        if len({key(n) for n in names}) != len(names):
            return "a node is named twice"
        model = common.model_of(self.backend)
        unknown = [n for n in names if model.nodes.get(n) is None]
        if unknown:
            return (f"{', '.join(unknown)}: not a drbdeck node (register it first: "
                    "drbdeck node create NAME ADDRESS)")
        return None

    def check_confirm(self, text: str) -> str | None:
        rsc = self.resource()
        if not rsc:
            return "choose the resource first"
        return None if text == rsc else f"type '{rsc}' to confirm"

    def resource(self) -> str | None:
        v = self.query_one("#resource-field", ChoiceField).value
        return str(v) if v else None

    def flag(self, field_id: str) -> bool:
        return bool(self.query_one(f"#{field_id}-field", FlagField).value)

    def update_confirm_text(self) -> None:
        rsc = self.resource()
        self.query_one("#confirm", Input).placeholder = \
            f"type {rsc} to adopt it" if rsc else "(choose a resource first)"

    # ---- the list of unmanaged resources ---------------------------------------------
    def relist(self) -> None:
        node = self.query_one("#node-field", ChoiceField).value
        if node and not self.sending:
            self.load_resources(str(node))

    @work(exclusive=True, group="adopt-list")
    async def load_resources(self, node: str) -> None:
        try:
            found = await self.client.unmanaged(node)
        except Exception as exc:
            self.query_one("#resource-field", ChoiceField).set_help(
                f"✗ cannot list {node}'s resources: {exc}")
            return
        if node != self.query_one("#node-field", ChoiceField).value:
            return  # the operator chose another node meanwhile
        self.hosts = found
        field = self.query_one("#resource-field", ChoiceField)
        names = sorted(found)
        if self.ctx_rsc and self.ctx_rsc not in found:
            names.insert(0, self.ctx_rsc)
        options = [(n, n) for n in names]
        if options != getattr(self, "_shown_options", None):
            self._shown_options = options
            field.select.prompt = "choose" if options else "(none found)"
            field.set_options(options)
        field.set_help(f"{len(found)} unmanaged DRBD resource(s) running on {node}"
                       if found else f"no DRBD resource on {node} that drbdeck does "
                       "not manage")
        self.fill_nodes()
        first, self._listed = not getattr(self, "_listed", False), True
        f = self.focused
        if first and field.value is not None and (
                f is None or f is getattr(self, "_auto_focused", None) or f.id == "form-fields"):
            # still where the form put it (new options move the focus off a Select):
            # on to the typed name
            self.focus_next_step()

    def fill_nodes(self) -> None:
        """The chosen resource's nodes, unless the operator typed their own."""
        rsc = self.resource()
        nodes = self.query_one("#nodes-field", TextField)
        want = self.hosts.get(rsc or "") or (self.ctx_nodes if rsc == self.ctx_rsc
                                            else [])
        if want and (not nodes.value or nodes.value == getattr(self, "_filled", None)):
            self._filled = " ".join(want)
            nodes.set_value(self._filled)

    def on_select_changed(self, event: Any) -> None:
        # FormScreen.on_select_changed (the preview) runs after this one (MRO dispatch)
        if not self.form_ready:
            return
        sel = getattr(event, "select", None)
        if sel is not None and sel.id == "node":
            self.relist()
        elif sel is not None and sel.id == "resource":
            nodes = self.query_one("#nodes-field", TextField)
            if nodes.value == getattr(self, "_filled", None):
                nodes.set_value("")
            self.fill_nodes()
            self.update_confirm_text()
            confirm = self.query_one("#confirm-field", TextField)
            if confirm.value:
                confirm.validate_now()

    # ---- the dry run in the preview pane ---------------------------------------------
    def current_key(self) -> tuple[Any, ...] | None:
        rsc = self.resource()
        names = split_nodes(self.query_one("#nodes-field", TextField).value)
        if not rsc or not names:
            return None
        return (tuple(names), rsc, self.flag("force"), self.flag("allow-larger"))

    def steps(self) -> list[Step]:
        raise FormInvalid("adoption is not a list of facade calls")

    def refresh_preview(self) -> None:
        if not self.is_attached or self.sending:
            return
        out = self.query_one("#preview", Static)
        why = self.client.unavailable
        if why:
            out.update(Text(why, style="dim"))
            return
        bad = [f for f in self.query(TextField) if f.field_id not in self.PREVIEW_IGNORES
               and displayed(f) and f.error()]
        k = self.current_key()
        if not self.resource() or bad or k is None:
            what = "choose a node, then one of the resources it runs" if not \
                self.resource() else bad[0].error() if bad else "name the nodes it runs on"
            out.update(Text(f"({what})", style="dim"))
            self.plan_key = self.plan_result = None
            return
        if k == self.plan_key:
            return  # typing the confirmation changes nothing
        self.plan_key, self.plan_result = k, None
        out.update(Text(f"… dry run: reading {k[1]} on {', '.join(k[0])}",
                        style="italic"))
        self.dry_run(k)

    @work(exclusive=True, group="adopt-dry")
    async def dry_run(self, k: tuple[Any, ...]) -> None:
        nodes, rsc, force, larger = k
        r = await self.client.run(list(nodes), rsc, dry_run=True, force=force,
                                  allow_larger=larger)
        if k != self.plan_key or not self.is_attached:
            return  # stale: the fields changed while the nodes were read
        self.plan_result = r
        self.query_one("#preview", Static).update(render_result(r))

    def action_rerun(self) -> None:
        self.plan_key = None
        self.refresh_preview()

    # ---- adopting ---------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.sending:
            return
        status = self.query_one("#form-status", Static)
        why = self.client.unavailable
        if why:
            status.update(Text(f"✗ {why}", style="bold red"))
            return
        bad = invalid_fields(self)
        if bad:
            status.update(Text(f"✗ {len(bad)} field(s) need fixing; nothing was changed.",
                               style="bold red"))
            bad[0].control().focus()
            return
        k, r = self.current_key(), self.plan_result
        if k is None or k != self.plan_key or r is None:
            status.update(Text("… waiting for the dry run's plan; nothing was changed.",
                               style="bold"))
            self.refresh_preview()
            return
        if r.get("refusal") or r.get("error"):
            status.update(Text("✗ The dry run refused it (see the plan pane); nothing was "
                               "changed.", style="bold red"))
            return
        self.sending = True
        status.update(Text(f"… adopting {k[1]}: creating the objects, moving the files, "
                           "waiting for the nodes", style="italic"))
        self.execute(k)

    @work(exclusive=True, group="form-send")
    async def execute(self, k: tuple[Any, ...]) -> None:
        nodes, rsc, force, larger = k
        try:
            r = await self.client.run(list(nodes), rsc, dry_run=False, force=force,
                                      allow_larger=larger)
        finally:
            self.sending = False
        self.report(r, list(nodes))
        if r.get("ok"):
            self.dismiss(True)
            return
        self.plan_key, self.plan_result = None, None
        ref = r.get("refusal")
        msg = f"✗ Refused: {ref.get('reason', '')}" if ref else \
            f"✗ {r.get('error')}" + (f" — {undone_text(r)}" if r.get("executed") else "")
        self.query_one("#form-status", Static).update(Text(msg, style="bold red"))
        self.query_one("#preview", Static).update(render_result(r))

    def report(self, r: Result, nodes: list[str]) -> None:
        """A toast and event-log lines: what was done, refused or rolled back."""
        rsc = str(r.get("resource") or "")
        lines: list[tuple[str, str]] = []
        ref = r.get("refusal")
        if r.get("ok"):
            lines = [(f"Adopt {rsc}: now managed by drbdeck on {', '.join(nodes)}", "info")]
            lines += [(f"Adopt {rsc}: done: {d}", "info") for d in r.get("done") or []]
            title, body, sev = (f"✓ Adopt {rsc}: done",
                                f"{rsc} is managed by drbdeck on {', '.join(nodes)}.",
                                "information")
        elif ref:
            text = f"{ref.get('reason', '')} — instead: {ref.get('instead', '')}"
            lines = [(f"Adopt {rsc} refused: {text}", "warning")]
            title, body, sev = f"✗ Adopt {rsc} refused", text, "error"
        else:
            text = f"{r.get('error')} ({undone_text(r)})"
            lines = [(f"Adopt {rsc} failed: {text}", "error")]
            title, body, sev = f"✗ Adopt {rsc} failed", text, "error"
        add = getattr(getattr(self.backend, "event_log", None), "append", None)
        if callable(add):
            now = time.time()
            for text, level in lines:
                add(LogLine(time=now, source="controller", text=text, level=level))
        self.app.notify(body, title=title, severity=sev, timeout=5 if r.get("ok") else 10)


__all__ = ["AdoptForm"]
