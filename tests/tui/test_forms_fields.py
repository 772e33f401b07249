"""Form field widgets keep Textual's own behaviour where they change its looks."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Checkbox

from drbdeck.tui.forms.fields import MarkedCheckbox


class _Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[bool] = []

    def compose(self) -> ComposeResult:
        yield MarkedCheckbox("force", False, id="box")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.changes.append(event.value)


async def test_marked_checkbox_posts_changed_and_shows_its_mark() -> None:
    """Forms re-run their preview on ``Checkbox.Changed``; the marked checkbox replaced
    Textual's ``watch_value`` and so never posted it."""
    app = _Host()
    async with app.run_test() as pilot:
        box = app.query_one("#box", MarkedCheckbox)
        assert box.BUTTON_INNER == " "
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert app.changes == [True]
        assert box.BUTTON_INNER == "X" and box.has_class("-on")
        await pilot.press("space")
        await pilot.pause()
        assert app.changes == [True, False]
