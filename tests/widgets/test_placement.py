"""PlacementMatrix: cells, navigation with sticky headers, selection, live updates."""

from __future__ import annotations

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.widgets.glyphs import ASCII, UNICODE
from drbdeck.widgets.placement import PlacementMatrix
from drbdeck.widgets.placement_cells import cell_for, matrix_legend, row_cells
from tests.widgets.demo_more import placement_app, wide_states
from tests.widgets.fixtures import NODES, cluster, progress, start_resync


def _lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    w = app.query_one(PlacementMatrix)
    return [w.render_line(y).text for y in range(w.scrollable_content_region.height)]


def test_cells_from_model_and_states(model: ClusterModel) -> None:
    model.resource("fresh", "alpha").flags.add("TIE_BREAKER")
    states = cluster(NODES, ["web"], primary={"web": "alpha"}, diskless={"web": ["charlie"]})
    start_resync(states, "web", "alpha", "bravo", NODES, done=42.0)
    nodes = ["alpha", "bravo", "charlie", "delta"]
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE",
              "delta": "OFFLINE"}.__getitem__
    web = [c.text for c in row_cells(UNICODE, "web", nodes, model, states, status)]
    # primary + warning (a peer resyncs), DELETING, client (sees bravo Inconsistent), none
    assert web == ["★●△ ", " ⊖  ", " ○△ ", "    "]
    fresh = [c.text for c in row_cells(UNICODE, "fresh", nodes, model, states, status)]
    assert fresh == [" ◇+ ", "    ", "    ", " ●⊘ "]  # pending tie-breaker; stale node
    model.resource("web", "bravo").flags.discard("DELETE")
    web = [c.text for c in row_cells(UNICODE, "web", nodes, model, states, status)]
    assert web[1] == " 42%"  # the SyncTarget shows its progress
    (one,) = matrix_legend(ASCII)
    assert one.plain.isascii() and "tie-breaker" in one.plain
    narrow = matrix_legend(UNICODE, 80)
    assert len(narrow) == 2 and all(t.cell_len <= 80 for t in narrow)


def test_odd_state_cell_does_not_crash() -> None:
    from drbdeck.collectors.drbdstate import DrbdState

    st = DrbdState("x")
    st.feed("exists resource name:odd role:Primary")
    st.feed("exists peer-device name:odd peer-node-id:1 conn-name:y volume:0 replication:Q")
    cell = cell_for(UNICODE, None, st.resources["odd"])
    assert len(cell.text) == 4 and cell.severity == 2


async def test_navigation_keeps_headers_and_selects(model: ClusterModel) -> None:
    states = wide_states(300, 40)
    app = placement_app(None, states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(PlacementMatrix)
        assert len(w.rows) == 300 and len(w.columns) == 40
        assert w.cursor_cell == ("pvc-00000", "node000")
        lines = _lines(app)
        assert "node000" in lines[0] and "pvc-00000" in lines[1]
        assert "diskful" in lines[-2] and "node offline" in lines[-1]  # the legend, 2 lines
        await pilot.press(*["right"] * 25, *["down"] * 60)
        assert w.cursor_cell == ("pvc-00060", "node025")
        lines = _lines(app)
        assert "node025" in lines[0] and "node000" not in lines[0]  # scrolled right
        assert lines[0].startswith("300 rsc")  # the corner stays
        assert any(ln.lstrip(" ✗△").startswith("pvc-00060") for ln in lines[1:-1])
        assert "pvc-00000" not in "".join(lines)  # scrolled down; names stay at the left
        await pilot.press("end", "ctrl+end")
        assert w.cursor_cell == ("pvc-00299", "node039")
        await pilot.press("home", "ctrl+home", "pagedown")
        assert w.cursor_cell is not None and w.cursor_cell[1] == "node000"
        assert w.rows.index(w.cursor_cell[0]) > 10
        await pilot.press("enter")
        await pilot.pause()
        sel = [m for m in app.messages if isinstance(m, PlacementMatrix.Selected)]
        assert [(m.resource, m.node) for m in sel] == [w.cursor_cell]
        await pilot.press("l")
        assert not w.show_legend and "diskful" not in "".join(_lines(app)[-2:])


async def test_live_update_and_offline_node(model: ClusterModel) -> None:
    states = cluster(NODES, ["web", "db"])
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE", "delta": "ONLINE"}
    app = placement_app(model, states, status.__getitem__)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(PlacementMatrix)
        assert w.rows == ["db", "fresh", "web"] and w.columns == [*NODES, "delta"]
        start_resync(states, "db", "alpha", "charlie", NODES, done=10.0)
        await pilot.pause(0.35)
        assert " 10%" in _lines(app)[1]
        progress(states, "db", "alpha", "charlie", NODES, 77.0)
        await pilot.pause(0.35)
        assert " 77%" in _lines(app)[1]
        status["delta"] = "OFFLINE"
        await pilot.pause(0.35)
        lines = _lines(app)
        assert "⊘delta" in lines[0] and "⊘" in lines[2]  # header and fresh's delta replica
        states["bravo"].feed("create resource name:new1 role:Secondary")
        await pilot.pause(0.35)
        assert "new1" in w.rows


async def test_empty_matrix() -> None:
    app = placement_app(None, {})
    async with app.run_test(size=(80, 24)) as pilot:
        assert "No nodes and no resources." in _lines(app)[1]
        await pilot.press("down", "right", "enter")
        assert app.query_one(PlacementMatrix).cursor_cell is None


async def test_mark_dirty_without_a_name() -> None:
    states = cluster(NODES, ["a", "b"])
    app = placement_app(None, {})
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(PlacementMatrix)
        w.set_data(None, states)  # no listeners: the caller marks everything dirty
        start_resync(states, "b", "alpha", "bravo", NODES, done=20.0)
        w.mark_dirty()
        await pilot.pause(0.35)
        assert " 20%" in _lines(app)[2]
        states["charlie"].feed("create resource name:c role:Secondary")
        w.mark_dirty()
        await pilot.pause(0.35)
        assert w.rows == ["a", "b", "c"]
        # a delete and a create in the same tick on every node: same counts, other rows
        for st in states.values():
            st.feed("destroy resource name:a")
            st.feed("create resource name:d role:Secondary")
        w.mark_dirty()
        await pilot.pause(0.35)
        assert w.rows == ["b", "c", "d"]
        assert any(ln[2:].split()[:1] == ["d"] for ln in _lines(app))


async def test_click_moves_cursor_and_double_click_selects() -> None:
    states = cluster(NODES, ["a", "b", "c"])
    app = placement_app(None, states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(PlacementMatrix)
        x = w._name_w + 2 * w._col_w + 1  # third column
        await pilot.click(PlacementMatrix, offset=(x, 3))  # third row
        assert w.cursor_cell == ("c", "charlie")
        await pilot.click(PlacementMatrix, offset=(x, 2), times=2)
        await pilot.pause()
        sel = [m for m in app.messages if isinstance(m, PlacementMatrix.Selected)]
        assert [(m.resource, m.node) for m in sel] == [("b", "charlie")]


async def test_unnamed_mark_dirty_catches_rows_changed_off_screen() -> None:
    names = [f"r{i:03d}" for i in range(80)]
    states = cluster(NODES, names)
    app = placement_app(None, {})
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(PlacementMatrix)
        w.set_data(None, states)
        w.move_cursor("r070")  # painted (and cached) once ...
        await pilot.pause()
        w.move_cursor("r000")  # ... then scrolled away
        await pilot.pause()
        start_resync(states, "r070", "alpha", "bravo", NODES, done=33.0)  # off-screen
        w.mark_dirty()
        await pilot.pause(0.35)
        w.move_cursor("r070")
        await pilot.pause()
        assert any(" 33%" in ln and "r070" in ln for ln in _lines(app))
