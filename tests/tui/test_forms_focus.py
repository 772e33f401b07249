"""A fast typist keeps the field they tabbed to.

The form focuses its first shown field after its first refresh (a hidden field would
swallow the typing). By then keys may already have moved the focus on; taking it back sent
the next keys into the first field (seen in tmux: "100M" appended to the name).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from drbdeck.backend.controller.store import Store
from tests.tui.forms_kit import FormHost, StoreBackend, opened


async def test_focus_first_leaves_a_shown_focused_field_alone(tmp_path: Path) -> None:
    backend = StoreBackend(Store(tmp_path / "c.db"))
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await opened(pilot, "resource-definition")
        inputs = [i for i in form.query(Input) if i.display]
        assert len(inputs) >= 2
        first, second = inputs[0], inputs[1]
        second.focus()
        await pilot.pause()
        form.focus_first()  # what the post-refresh callback does
        await pilot.pause()
        assert app.focused is second
        app.set_focus(None)
        await pilot.pause()
        form.focus_first()  # nothing focused: the first shown field gets it
        await pilot.pause()
        assert app.focused is first
