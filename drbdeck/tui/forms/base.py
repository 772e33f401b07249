"""The one modal every form is: fields, a live preview of the node commands, send in a worker.

Why one base: every form must behave the same way or operators stop trusting them — Esc
cancels, Enter or ctrl+s sends, nothing is sent while a field breaks a rule (the error
stays under the field), the preview shows exactly what the controller's own code would
make each node run (:mod:`drbdeck.backend.preview`), sending never blocks the screen,
and the controller's answers land as toasts and in the event log. A form subclass only
says which fields it has and which facade calls (:class:`Step`) its values make.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.preview import Preview, PreviewError, Step, preview_steps
from drbdeck.tui.forms.fields import FormField, displayed, invalid_fields
from drbdeck.tui.forms.report import report_answers

PREVIEW_DELAY_S = 0.15
#: resources per node a preview renders when a change reaches all of them
PREVIEW_MAX_RESOURCES = 20


class FormInvalid(ValueError):
    """A form's values cannot make a call (a field's rule); the form shows it."""


class FormScreen(ModalScreen[bool]):
    """Subclasses set ``TITLE`` and implement ``fields()`` and ``steps()``."""

    TITLE: ClassVar[str] = "Form"
    #: what the toast says the form did ("Create resource definition")
    ACTION: ClassVar[str] = "Send"
    #: fields that do not change the calls (a typed confirmation): preview without them
    PREVIEW_IGNORES: ClassVar[frozenset[str]] = frozenset()
    #: the form's own keys, added to the key line
    KEYS_HINT: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Send", priority=True),
        Binding("f1", "form_help", "Help"),
    ]
    #: wide terminals put the preview beside the fields, narrow ones below them
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"), (140, "-wide")]
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen #form {
        width: 100%; max-width: 180; height: 100%; max-height: 48;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FormScreen #form-title { text-style: bold; height: 1; }
    FormScreen #form-body { height: 1fr; layout: vertical; }
    FormScreen #form-fields { height: 1fr; min-height: 5; }
    FormScreen #form-fields Vertical { height: auto; }
    FormScreen #preview-box { height: auto; max-height: 40%; }
    FormScreen #preview-title { height: 1; color: $text-muted; }
    FormScreen #preview-scroll { height: auto; min-height: 2; }
    FormScreen.-wide #form-body { layout: horizontal; }
    FormScreen.-wide #form-fields { width: 1fr; height: 100%; }
    FormScreen.-wide #preview-box { width: 1fr; height: 100%; max-height: 100%;
                                    border-left: solid $primary-darken-2; padding-left: 1; }
    FormScreen #form-status { height: auto; }
    FormScreen #form-keys { height: 1; color: $text-muted; }
    """

    def __init__(self, backend: Any, **context: Any) -> None:
        super().__init__()
        self.backend = backend
        self.context = context
        self.sending = False
        self.last_preview: Preview | None = None
        self.sent: list[rc.ApiCallRc] = []
        #: set once every field is mounted; change events before that are ignored
        self.form_ready = False

    # ---- to implement ---------------------------------------------------------------
    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def steps(self) -> list[Step]:
        """The facade calls the current (valid) values make; may raise FormInvalid."""
        raise NotImplementedError

    def ready(self) -> str | None:
        """A reason to hold the send back even with valid fields (e.g. a host key not yet
        seen); ``None`` when the form may send."""
        return None

    # ---- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.TITLE, id="form-title")
            with Container(id="form-body"):
                with VerticalScroll(id="form-fields"):
                    yield from self.fields()
                with Vertical(id="preview-box"):
                    yield Static("── preview: what each node will run ──", id="preview-title")
                    with VerticalScroll(id="preview-scroll"):
                        yield Static("", id="preview")
            yield Static("", id="form-status")
            yield Static("enter/ctrl+s send · esc cancel · f1 help"
                         + (f" · {self.KEYS_HINT}" if self.KEYS_HINT else ""), id="form-keys")

    def on_mount(self) -> None:
        self.form_ready = True
        self.schedule_preview()
        # after the subclasses' on_mount hid what does not apply
        self.call_after_refresh(self.focus_first)

    def focus_first(self) -> None:
        """Focus the first shown text field (a hidden one would swallow the typing).

        Runs after the first refresh; by then a fast typist may already have typed into
        the auto-focused field and tabbed on, so a shown field that has focus keeps it
        (taking it back would send the next keys into the first field). Only a text field
        keeps it: Textual auto-focuses the scrolling field container first, and typing
        there went nowhere (the snapshot tests' keys landed one field late)."""
        if isinstance(self.focused, Input) and displayed(self.focused):
            return
        first = next((i for i in self.query(Input) if displayed(i)), None)
        if first is not None:
            first.focus()

    # ---- live checks and preview ----------------------------------------------------
    def on_input_changed(self, _event: Input.Changed) -> None:
        self.schedule_preview()

    def on_select_changed(self, _event: object) -> None:
        self.schedule_preview()

    def on_checkbox_changed(self, _event: object) -> None:
        self.schedule_preview()

    def schedule_preview(self) -> None:
        if not self.form_ready:
            return
        timer = getattr(self, "_preview_timer", None)
        if timer is not None:
            timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY_S, self.refresh_preview)

    def preview_source(self) -> tuple[Any, dict[str, Any]] | None:
        """(store, preview keyword arguments) for an in-process backend, else None."""
        rt = getattr(self.backend, "runtime", None)
        store = getattr(rt, "store", None) or getattr(self.backend, "store", None)
        if store is None:
            return None
        kw: dict[str, Any] = {"states": dict(getattr(self.backend, "states", {}) or {})}
        if rt is not None:
            kw["initial_done"] = getattr(rt, "initial_done", ())
            if callable(getattr(rt, "is_connected", None)):
                kw["is_online"] = rt.is_connected
        if "is_online" not in kw and callable(getattr(self.backend, "node_status", None)):
            kw["is_online"] = lambda n: self.backend.node_status(n) == "ONLINE"
        return store, kw

    def refresh_preview(self) -> None:
        if not self.is_attached:  # a timer that outlived a dismissed form
            return
        out = self.query_one("#preview", Static)
        bad = [f for f in self.query(FormField) if f.field_id not in self.PREVIEW_IGNORES
               and displayed(f) and f.error()]
        if bad:
            out.update(Text(f"(fill in the fields: {bad[0].label or bad[0].field_id} …)",
                            style="dim"))
            return
        try:
            steps = self.steps()
        except ValueError as exc:  # FormInvalid, or a value a field let through
            out.update(Text(f"({exc})", style="dim"))
            return
        source = self.preview_source()
        if source is None:
            out.update(Text("Preview not available: the console is attached to a remote "
                            "controller (REST); the commands are decided there.",
                            style="dim"))
            return
        store, kw = source
        try:
            p = preview_steps(store, steps, max_resources=PREVIEW_MAX_RESOURCES, **kw)
        except PreviewError as exc:
            out.update(Text(f"(no preview: {exc})", style="dim"))
            return
        self.last_preview = p
        out.update(render_preview(p))

    # ---- actions --------------------------------------------------------------------
    def action_form_help(self) -> None:
        """F1: what this form does (its module's first line), the keys, and the rule of
        the focused field (``?`` would be typed into a field, so help is on F1)."""
        import sys

        mod = sys.modules.get(type(self).__module__)
        what = ((mod.__doc__ if mod else "") or "").strip().splitlines()[:1]
        lines = [*what, "enter / ctrl+s send · esc cancel · tab / shift+tab move"]
        if self.KEYS_HINT:
            lines.append(self.KEYS_HINT)
        focused = self.focused
        field = next((a for a in (focused.ancestors if focused else [])
                      if isinstance(a, FormField)), None)
        if field is not None:
            hint = getattr(getattr(field, "input", None), "placeholder", "")
            lines.append(f"{field.label or field.field_id}: {hint}".rstrip(": "))
        self.app.notify("\n".join(lines), title=self.TITLE, timeout=10)

    def action_cancel(self) -> None:
        if not self.sending:
            self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.sending:
            return
        status = self.query_one("#form-status", Static)
        bad = invalid_fields(self)
        if bad:
            status.update(Text(f"✗ {len(bad)} field(s) need fixing; nothing was sent.",
                               style="bold red"))
            bad[0].control().focus()
            return
        try:
            steps = self.steps()
        except ValueError as exc:  # FormInvalid, or a value a field let through
            status.update(Text(f"✗ {exc}; nothing was sent.", style="bold red"))
            return
        hold = self.ready()
        if hold:
            status.update(Text(hold, style="bold"))
            return
        self.sending = True
        status.update(Text("… sending", style="italic"))
        self.send(steps)

    @work(exclusive=True, group="form-send")
    async def send(self, steps: Sequence[Step]) -> None:
        """Run the calls in order through ``backend.ops``; stop at the first refusal."""
        answers: list[rc.ApiCallRc] = []
        try:
            await self.before_send()
            for step in steps:
                got = await getattr(self.backend.ops, step.op)(*step.args, **dict(step.kwargs))
                answers += list(got)
                if any(a.is_error() for a in got):
                    break
        except Exception as exc:  # transport failure (remote), never a traceback
            answers.append(rc.ApiCallRc(rc.FAIL_IMPL_ERROR | rc.MASK_ERROR,
                                        f"Sending failed: {type(exc).__name__}: {exc}"))
        finally:
            self.sending = False
        self.sent = answers
        failed = any(a.is_error() for a in answers)
        report_answers(self.app, self.backend, self.ACTION, answers)
        if failed:
            first = next(a for a in answers if a.is_error())
            self.query_one("#form-status", Static).update(
                Text(f"✗ {first.message}", style="bold red"))
            self.schedule_preview()
            return
        self.dismiss(True)

    async def before_send(self) -> None:
        """A hook run in the send worker before the first call (node form: host key)."""


def render_preview(p: Preview) -> Text:
    """Answers first (errors found by the controller's validation), then per node."""
    out = Text()
    for a in p.answers:
        if a.is_error():
            out.append(f"✗ {a.message}\n", style="bold red")
            if a.correction:
                out.append(f"  {a.correction}\n", style="red")
        elif a.is_warning():
            out.append(f"! {a.message}\n", style="yellow")
    if not p.ok:
        out.append("Nothing would be sent to any node.", style="dim")
        return out
    if not p.commands:
        out.append("No node commands: only the controller's database changes.", style="dim")
        return out
    for node, lines in p.commands.items():
        out.append(f"{node}:", style="bold")
        roles = p.roles.get(node, {})
        if roles:
            out.append(" (" + ", ".join(f"{r} {w}" for r, w in roles.items()) + ")",
                       style="italic")
        if not lines:
            out.append(" (no change on the node)\n", style="dim")
            continue
        out.append("\n")
        for line in lines:
            out.append(f"  $ {line}\n")
        if p.left_out.get(node):
            out.append(f"  … the same for {p.left_out[node]} more resources\n", style="dim")
    out.rstrip()
    return out


__all__ = ["FormInvalid", "FormScreen", "render_preview"]
