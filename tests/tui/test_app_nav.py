"""Pilot tests of the console: views, drill-downs, filters, read-only, help and palette."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import ContentSwitcher, Static

from drbdeck.tui.app import DrbdeckApp
from drbdeck.tui.help import HelpScreen
from drbdeck.tui.views.detail import ResourceScreen
from drbdeck.tui.views.node_detail import NodeScreen
from tests.tui.conftest import amake_fixed_backend

SIZE = (80, 24)


def plain(widget: Static, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, color_system=None).print(widget.content)
    return out.getvalue()


async def _app(tmp_path: Path, **kw: Any) -> tuple[DrbdeckApp, Any]:
    backend = await amake_fixed_backend(tmp_path)
    return DrbdeckApp(backend, **kw), backend


async def test_number_keys_switch_views_and_focus(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        switcher = app.query_one("#views", ContentSwitcher)
        for key, view, focus in (("2", "nodes", "NodesTable"),
                                 ("3", "placement", "PlacementMatrix"),
                                 ("4", "log", "LogView"), ("1", "resources", "ResourceList")):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_view == view
            assert switcher.current == view
            assert type(app.focused).__name__ == focus
        header = plain(app.query_one("#app-header", Static))
        assert "1 Resources" in header and "degraded" in header


async def test_enter_drills_down_and_escape_goes_back(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        first = app.resource_list.cursor_resource
        assert first is not None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ResourceScreen)
        assert app.screen.resource == first
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ResourceScreen)
        assert app.current_view == "resources"


async def test_drill_down_shows_volumes_connections_files_and_log(tmp_path: Path) -> None:
    app, backend = await _app(tmp_path)
    backend.res_files[("db", "alpha")] = "resource \"db\" {\n  # from alpha\n}\n"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_resource("db")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        vols = plain(screen.query_one("#detail-volumes", Static))
        assert "1001" in vols and "20.0 GiB" in vols
        assert "UpToDate" in vols and "Inconsistent" in vols
        conns = plain(screen.query_one("#detail-connections", Static))
        assert "SyncTarget" in conns and "42.5%" in conns
        await pilot.press("f")
        await pilot.pause(0.3)
        files = plain(screen.query_one("#detail-files", Static))
        assert "# from alpha" in files and "read from the node" in files
        # bravo's file cannot be read: rendered from the desired state instead
        assert "bravo: db.res (rendered from the desired state" in files
        assert "resource \"db\"" in files.split("bravo: db.res")[1]
        await pilot.press("l")
        await pilot.pause()
        shown = screen.query_one("#detail-log").view.shown
        assert shown and all("db" in f"{ln.source} {ln.text}" for ln in shown)


async def test_node_drill_down(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NodeScreen)
        assert app.screen.node_name == "delta"
        body = plain(app.screen.query_one("#node-body", Static))
        assert "OFFLINE" in body and "arch" in body and "pool1" in body
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NodeScreen) and app.current_view == "nodes"


async def test_log_filter_and_inverse(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        view = app.log_pane.view
        total = len(view.shown)
        assert total >= 6
        await pilot.press("slash")
        await pilot.press(*"bravo")
        await pilot.pause()
        assert view.shown and all("bravo" in f"{ln.source} {ln.text}" for ln in view.shown)
        with_bravo = len(view.shown)
        app.log_pane.query_one("#log-filter").value = "!bravo"
        await pilot.pause()
        assert len(view.shown) == total - with_bravo
        assert all("bravo" not in f"{ln.source} {ln.text}" for ln in view.shown)
        await pilot.press("enter")  # closes the filter line, keeps the filter
        await pilot.pause()
        assert len(view.shown) == total - with_bravo
        await pilot.press("escape")  # clears it
        await pilot.pause()
        assert len(view.shown) == total


async def test_new_lines_reach_the_log(tmp_path: Path) -> None:
    app, backend = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        backend.event_log.add("something happened", source="test")
        backend.command_log.record("alpha", ["drbdadm", "status"], 0, 0.01)
        await pilot.pause(0.4)
        texts = [ln.text for ln in app.log_pane.view.lines]
        assert any("something happened" in t for t in texts)
        assert any("drbdadm status" in t for t in texts)


def _keys(app: DrbdeckApp) -> set[str]:
    return {ab.binding.action for ab in app.screen.active_bindings.values()}


async def test_forms_open_from_keys_with_context(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert "form('node')" in _keys(app)
        rsc = app.resource_list.cursor_resource
        await pilot.press("a")
        await pilot.pause()
        assert type(app.screen).__name__ == "AddReplicaForm"
        assert app.screen.context.get("rd") == rsc
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("2", "delete")
        await pilot.pause()
        assert type(app.screen).__name__ == "DeleteForm"
        assert app.screen.context == {"what": "node", "node": "alpha"}


async def test_readonly_hides_every_action(tmp_path: Path) -> None:
    app, backend = await _app(tmp_path, readonly=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert backend.readonly is True
        for view in ("1", "2", "3", "4"):
            await pilot.press(view)
            await pilot.pause()
            actions = _keys(app)
            assert not any(a.startswith("form(") or a == "delete" for a in actions), actions
        await pilot.press("1", "n", "a", "delete", "e")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # nothing opened
        app.open_form("node")  # even when asked directly
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any("New node" in t or "Delete" in t for t in titles)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert not any(e.action.startswith("form(") for e in app.screen.entries)
        header = plain(app.query_one("#app-header", Static))
        assert "read-only" in header


async def test_help_for_focused_widget(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert screen.help_title == "NodesTable" and "SSH" in screen.help_text
        actions = {e.action for e in screen.entries}
        assert {"view('resources')", "form('node')", "help", "quit"} <= actions
        assert "view('nodes')" not in actions  # greyed: already there
        await pilot.press("escape")
        await pilot.press("1", "question_mark")
        await pilot.pause()
        assert app.screen.help_title == "ResourceList"
        assert "problems first" in app.screen.help_text  # the widget's own HELP
        assert "toggle_problems" in {e.action for e in app.screen.entries}


async def test_palette_lists_the_same_commands_as_help(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        help_entries = HelpScreen.for_screen(app.screen).entries
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for e in help_entries:
            assert any(t.startswith(e.title) for t in titles), e.title
        assert "Open resource db" in titles
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Nodes")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_view == "nodes"


async def test_chaos_only_with_chaos(tmp_path: Path) -> None:
    class Chaos:
        def nodes(self) -> list[str]:
            return ["alpha", "bravo"]

        async def stop_node(self, n: str) -> str:
            return f"stopped {n}"

        async def start_node(self, n: str) -> str:
            return f"started {n}"

        async def cut_link(self, a: str, b: str) -> str:
            return "cut"

        async def restore_link(self, a: str, b: str) -> str:
            return "restored"

    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert "chaos" not in _keys(app)
    app, _ = await _app(tmp_path / "2", chaos=Chaos())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChaosScreen"


async def test_live_state_change_repaints_without_rebuild(tmp_path: Path) -> None:
    app, backend = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        rl = app.resource_list
        before = rl.rows_built
        backend.feed("bravo", "change peer-device name:db peer-node-id:0 conn-name:alpha "
                     "volume:0 replication:Established")
        backend.feed("bravo", "change device name:db volume:0 minor:1001 disk:UpToDate")
        backend.feed("alpha", "change peer-device name:db peer-node-id:1 conn-name:bravo "
                     "volume:0 replication:Established peer-disk:UpToDate")
        await pilot.pause(0.6)
        assert 1 <= rl.rows_built - before <= 3  # only db's row was rebuilt
        row = rl.row("db")
        assert row is not None and "Inconsistent" not in " ".join(t.plain for t in row.lines)


async def test_changed_host_key_shown_and_accepted_twice_k(tmp_path: Path) -> None:
    from drbdeck.backend.satellite import LinkState, LinkStatus

    app, backend = await _app(tmp_path)
    backend.links["delta"] = LinkState(LinkStatus.HOST_KEY_MISMATCH, since=0.0,
                                       offered_fingerprint="SHA256:new",
                                       pinned_fingerprint="SHA256:old")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert "HOST KEY" in app.nodes_table.get_cell("delta", "SSH").plain
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NodeScreen)
        body = plain(app.screen.query_one("#node-body", Static))
        assert "SHA256:new" in body and "SHA256:old" in body
        await pilot.press("k")
        await pilot.pause()
        assert backend.accepted == []  # the first k only shows the fingerprint
        await pilot.press("k")
        await pilot.pause(0.2)
        assert backend.accepted == [("10.0.0.4", 22, "SHA256:new")]


async def test_accept_key_hidden_when_readonly_or_not_waiting(tmp_path: Path) -> None:
    from drbdeck.backend.satellite import LinkState, LinkStatus

    app, backend = await _app(tmp_path, readonly=True)
    backend.links["delta"] = LinkState(LinkStatus.UNKNOWN_HOST_KEY, offered_fingerprint="f")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(NodeScreen(backend, "delta"))
        await pilot.pause()
        assert "accept_key" not in _keys(app)
        await pilot.press("k", "k")
        await pilot.pause()
        assert backend.accepted == []
    app, backend = await _app(tmp_path / "b")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(NodeScreen(backend, "alpha"))
        await pilot.pause()
        assert "accept_key" not in _keys(app)


async def test_log_follows_the_tail_when_first_shown(tmp_path: Path) -> None:
    """Lines logged before the Log view was ever shown: opening it shows the newest ones
    (it follows the tail), and the level column says WARN, not a cut "warni"."""
    app, backend = await _app(tmp_path)
    for i in range(200):
        backend.event_log.add(f"early line {i:03d}", source="test")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.4)
        backend.event_log.add("last line", source="test", level="warning")
        await pilot.pause(0.4)
        await pilot.press("4")
        await pilot.pause(0.4)
        view = app.log_pane.view
        assert view.following
        shown = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        assert "last line" in shown[-1] and "WARN" in shown[-1]
        assert not any("early line 000" in s for s in shown)
        assert not any("warni" in s for s in shown)


async def test_help_texts_of_placement_and_log(tmp_path: Path) -> None:
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "question_mark")
        await pilot.pause()
        assert app.screen.help_title == "PlacementMatrix"
        assert "diskful" in app.screen.help_text
        await pilot.press("escape", "4", "question_mark")
        await pilot.pause()
        assert app.screen.help_title == "LogView"
        assert app.screen.help_text == app.log_pane.HELP  # the console's text wins


async def test_adopt_form_opens_from_its_key(tmp_path: Path) -> None:
    """``A`` opens the adoption form; a managed resource under the cursor is not preset
    (only a resource drbdeck does not manage yet can be adopted)."""
    app, _ = await _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert "form('adopt')" in _keys(app)
        assert app.resource_list.cursor_resource in app.backend.model.rds
        await pilot.press("A")
        await pilot.pause()
        assert type(app.screen).__name__ == "AdoptForm"
        assert "resource" not in app.screen.context
