"""Form fields that validate as you type: a label, one input widget, the error under it.

Why one small widget per field kind: every form needs the same three things — show the
controller's own rule as soon as the text breaks it, keep the error next to the field it
belongs to (not in a toast), and let the form ask "is everything valid?" without knowing
which widget a field uses. Each field is found by its input's ``id`` (``#name``), so
tests and the form code address fields the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from drbdeck.tui.forms.checks import Check


class FormField(Vertical):
    """Base: ``value`` (the text or choice), ``error()`` (the rule it breaks, or None)."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 0 0; }
    FormField > Horizontal { height: auto; }
    FormField .field-label { width: 18; color: $text-muted; }
    FormField .field-error { color: $error; padding-left: 18; height: auto; }
    FormField .field-help { color: $text-muted; padding-left: 18; height: auto; }
    FormField.-invalid .field-label { color: $error; text-style: bold; }
    """

    def __init__(self, label: str, field_id: str, *, help_text: str = "") -> None:
        super().__init__(id=f"{field_id}-field")
        self.label = label
        self.field_id = field_id
        self.help_text = help_text
        self.shown_error: str | None = None

    @property
    def value(self) -> Any:
        raise NotImplementedError

    def error(self) -> str | None:
        return None

    def control(self) -> Widget:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="field-label")
            yield self.control()
        yield Static("", classes="field-help", id=f"{self.field_id}-help")
        yield Static("", classes="field-error", id=f"{self.field_id}-error")

    def on_mount(self) -> None:
        self.set_help(self.help_text)
        self.show_error(None)

    def set_help(self, text: str) -> None:
        self.help_text = text
        help_w = self.query_one(f"#{self.field_id}-help", Static)
        help_w.update(text)
        help_w.display = bool(text)

    def show_error(self, text: str | None) -> None:
        """Show ``text`` under the field (``None`` hides it); marked with ✗ not colour only."""
        self.shown_error = text
        err = self.query_one(f"#{self.field_id}-error", Static)
        err.update(f"✗ {text}" if text else "")
        err.display = bool(text)
        self.set_class(bool(text), "-invalid")

    def validate_now(self) -> str | None:
        why = self.error()
        self.show_error(why)
        return why


class TextField(FormField):
    """A one-line text input; ``check`` is one of :mod:`.checks` (``None`` = any text)."""

    def __init__(self, label: str, field_id: str, *, value: str = "", placeholder: str = "",
                 check: Check | None = None, optional: bool = False,
                 suggestions: Sequence[str] = (), help_text: str = "",
                 password: bool = False) -> None:
        super().__init__(label, field_id, help_text=help_text)
        self.check = check
        self.optional = optional
        self._input = Input(value, placeholder=placeholder, id=field_id, compact=True,
                            password=password,
                            suggester=SuggestFromList(suggestions, case_sensitive=False)
                            if suggestions else None)

    def control(self) -> Widget:
        return self._input

    @property
    def input(self) -> Input:
        return self._input

    @property
    def value(self) -> str:
        return self._input.value.strip()

    def set_value(self, text: str) -> None:
        self._input.value = text

    def set_suggestions(self, suggestions: Iterable[str]) -> None:
        items = list(suggestions)
        self._input.suggester = SuggestFromList(items, case_sensitive=False) if items else None

    def error(self) -> str | None:
        text = self.value
        if not text:
            return None if self.optional else f"{self.label} is required"
        return self.check(text) if self.check is not None else None

    def on_input_changed(self, event: Input.Changed) -> None:
        # as you type: show the rule once there is text; an emptied required field only
        # complains when the form is submitted
        if event.input is self._input:
            self.show_error(self.error() if self.value else None)


class ChoiceField(FormField):
    """A choice from a list (``Select``); ``required`` refuses the blank choice."""

    def __init__(self, label: str, field_id: str, options: Sequence[tuple[str, Any]], *,
                 value: Any = None, required: bool = True, help_text: str = "",
                 prompt: str = "choose") -> None:
        super().__init__(label, field_id, help_text=help_text)
        self.required = required
        start = value if value is not None and any(v == value for _l, v in options) \
            else Select.NULL
        self._select: Select[Any] = Select(list(options), value=start, id=field_id,
                                           compact=True, prompt=prompt,
                                           allow_blank=True)

    def control(self) -> Widget:
        return self._select

    @property
    def select(self) -> Select[Any]:
        return self._select

    @property
    def value(self) -> Any:
        v = self._select.value
        return None if v is Select.NULL else v

    def set_options(self, options: Sequence[tuple[str, Any]], *,
                    pick_single: bool = True) -> None:
        """New choices; the current one stays if offered, else a single choice is taken."""
        keep = self.value
        self._select.set_options(list(options))
        if keep is not None and any(v == keep for _l, v in options):
            self._select.value = keep
        elif pick_single and len(options) == 1:
            self._select.value = options[0][1]

    def error(self) -> str | None:
        if self.required and self.value is None:
            return f"choose a {self.label.lower()}"
        return None

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select is self._select:
            self.show_error(None if self.value is None else self.error())


class MarkedCheckbox(Checkbox):
    """A checkbox whose mark is ``X`` when on and blank when off: Textual's own shows an
    ``X`` either way and tells them apart by colour only (unreadable with NO_COLOR)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "

    def watch_value(self) -> None:
        super().watch_value()  # the -on class and the Changed message the forms listen to
        self.refresh()


class FlagField(FormField):
    """A yes/no switch (``Checkbox``)."""

    def __init__(self, label: str, field_id: str, *, value: bool = False,
                 help_text: str = "") -> None:
        super().__init__("", field_id, help_text=help_text)
        self._box = MarkedCheckbox(label, value, id=field_id, compact=True)

    def control(self) -> Widget:
        return self._box

    @property
    def value(self) -> bool:
        return bool(self._box.value)


def invalid_fields(root: Widget) -> list[FormField]:
    """Validate every displayed field under ``root``; the ones that break a rule."""
    bad: list[FormField] = []
    for f in root.query(FormField):
        if not displayed(f):
            f.show_error(None)
            continue
        if f.validate_now():
            bad.append(f)
    return bad


def displayed(w: Widget) -> bool:
    """Shown on screen: neither the widget nor any ancestor has ``display: none``."""
    node: Any = w
    while node is not None and isinstance(node, Widget):
        if not node.display:
            return False
        node = node.parent
    return True


__all__ = ["ChoiceField", "FlagField", "FormField", "MarkedCheckbox", "TextField",
           "displayed", "invalid_fields"]
