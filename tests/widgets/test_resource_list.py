"""Pilot tests of ResourceList: order, cursor, selection, problem filter, live repaint."""

from __future__ import annotations

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.widgets.resource_list import ResourceList
from drbdeck.widgets.row_order import sort_key
from tests.widgets.demo import list_app
from tests.widgets.fixtures import (
    NODES,
    cluster,
    demo_states,
    disconnect,
    finish_resync,
    progress,
    start_resync,
)


def _screen(app) -> str:  # type: ignore[no-untyped-def]
    w = app.query_one(ResourceList)
    return "\n".join(w.render_line(y).text for y in range(w.size.height))


async def test_problem_first_order_and_cursor_keys() -> None:
    app = list_app(demo_states(40))
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        assert w.order[:2] == ["res05", "res07"]
        assert w.counts == (40, 1, 1)
        assert w.cursor_resource == "res05"
        text = _screen(app)
        assert text.splitlines()[0].startswith("✗ res05")
        await pilot.press("down")
        assert w.cursor_resource == "res07"
        await pilot.press("end")
        assert w.cursor_resource == "web"
        assert "web" in _screen(app)  # scrolled into view
        await pilot.press("home")
        assert w.cursor_resource == "res05"
        await pilot.press("pagedown")
        assert w.order.index(w.cursor_resource or "") > 5
        await pilot.press("pageup")
        assert w.cursor_resource in ("res05", "res07")
        await pilot.press("down", "enter")
        await pilot.pause()
        sel = [m for m in app.messages if isinstance(m, ResourceList.Selected)]
        assert [m.resource for m in sel] == ["res07"]


async def test_problems_only_toggle() -> None:
    app = list_app(demo_states(12))
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        await pilot.press("p")
        assert w.problems_only and w.order == ["res05", "res07"]
        assert "res01" not in _screen(app)
        await pilot.press("p")
        assert not w.problems_only and len(w.order) == 12


async def test_problems_only_with_no_problems_says_so() -> None:
    app = list_app(cluster(NODES, ["a", "b"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        assert "No resources with problems to display." in _screen(app)


async def test_live_events_repaint_only_changed_rows_and_reorder() -> None:
    states = demo_states(40)
    app = list_app(states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        built = w.rows_built
        progress(states, "res07", "alpha", "charlie", NODES, 61.25)
        assert w.rows_built == built  # nothing happens at event time
        await pilot.pause(0.35)  # one repaint tick
        assert w.rows_built == built + 1
        assert "61.2%" in _screen(app)
        # a resource breaks: it moves to the top
        disconnect(states, "res30", "bravo", "charlie", NODES)
        finish_resync(states, "res07", "alpha", "charlie", NODES)
        await pilot.pause(0.35)
        assert w.order[:2] == ["res05", "res30"]
        assert w.row("res07") is not None and len(w.row("res07").lines) == 1  # type: ignore[union-attr]
        assert "res30" in _screen(app)
        # many small repositionings give the same order as a full sort
        for i in range(8, 30, 3):
            disconnect(states, f"res{i:02d}", "alpha", "charlie", NODES)
            await pilot.pause(0.3)
        rows = [w.row(n) for n in w.order]
        assert len(rows) == 40
        assert w.order == [r.name for r in sorted(rows, key=sort_key)]  # type: ignore[arg-type]


async def test_progress_repaints_only_the_lines_that_changed() -> None:
    """A resync step changes the bar line only: that line alone is refreshed (the name
    line keeps its cached Strip); an event that changes nothing visible repaints nothing."""
    states = demo_states(40)
    app = list_app(states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        await pilot.pause(0.35)
        refreshed: list[tuple[int, int]] = []
        real = w.refresh_lines

        def spy(y: int, n: int = 1) -> None:
            refreshed.append((y, n))
            real(y, n)

        w.refresh_lines = spy  # type: ignore[method-assign]
        before = w.row("res07")
        assert before is not None and before.height >= 2
        start = sum(w.row(n).height for n in w.order[:w.order.index("res07")])  # type: ignore[union-attr]
        progress(states, "res07", "alpha", "charlie", NODES, 61.25)
        await pilot.pause(0.35)
        after = w.row("res07")
        assert after is not None and after.height == before.height
        changed = [k for k in range(after.height) if after.lines[k] != before.lines[k]]
        assert 0 < len(changed) < after.height
        lines = {y for y0, n in refreshed for y in range(y0, y0 + n)}
        assert lines == {start + k for k in changed}
        assert "61.2%" in _screen(app)
        refreshed.clear()
        w.mark_dirty("res12")  # rebuilt, but it looks the same
        await pilot.pause(0.35)
        assert refreshed == []


async def test_new_and_removed_resources_and_mark_all() -> None:
    states = cluster(NODES, ["a", "b"])
    app = list_app(states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        states["alpha"].feed("exists resource name:zz-new role:Secondary")  # odd: no exists -
        states["alpha"].feed("create resource name:zz-new role:Secondary")
        await pilot.pause(0.35)
        assert "zz-new" in w.order
        states["alpha"].feed("destroy resource name:zz-new")
        await pilot.pause(0.35)
        assert "zz-new" not in w.order
        w.mark_dirty(None)
        await pilot.pause(0.35)
        assert w.order == ["a", "b"]


async def test_node_going_offline_turns_rows_stale(model: ClusterModel) -> None:
    states = cluster(NODES, ["web"], diskless={"web": ["charlie"]})
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE", "delta": "ONLINE"}
    app = list_app(states, model=model, node_status=status.__getitem__)
    async with app.run_test(size=(100, 24)) as pilot:
        w = app.query_one(ResourceList)
        assert "OFFLINE" not in _screen(app)
        status["alpha"] = "OFFLINE"  # no event at all: only the link poll can notice
        await pilot.pause(0.35)
        text = _screen(app)
        assert "OFFLINE since" in text
        assert w.row("web").severity == 2  # type: ignore[union-attr]
        status["alpha"] = "ONLINE"
        await pilot.pause(0.35)
        assert "stale" not in _screen(app)


async def test_mon_mode_and_empty_states() -> None:
    app = list_app({})
    async with app.run_test(size=(80, 24)):
        assert "No DRBD state yet." in _screen(app)
    states = demo_states(8)
    app = list_app({"alpha": states["alpha"]})
    async with app.run_test(size=(80, 24)):
        text = _screen(app)
        assert "↯bravo" in text  # res05 lost bravo, as alpha sees it
        assert "volume 0 minor" in text


async def test_resync_start_in_mon_mode_updates_bar() -> None:
    states = cluster(NODES, ["r"])
    app = list_app({"charlie": states["charlie"]})
    async with app.run_test(size=(80, 24)) as pilot:
        start_resync(states, "r", "alpha", "charlie", NODES, done=10.0)
        await pilot.pause(0.35)
        assert "10.0%" in _screen(app)
        progress(states, "r", "alpha", "charlie", NODES, 55.0)
        await pilot.pause(0.35)
        assert "55.0%" in _screen(app)


async def test_set_states_again_after_a_model_change_rebuilds_only_touched_rows(
    model: ClusterModel,
) -> None:
    states = cluster(NODES, ["web", *[f"r{i}" for i in range(50)]],
                     diskless={"web": ["charlie"]})
    status = {"alpha": "ONLINE", "bravo": "ONLINE", "charlie": "ONLINE", "delta": "ONLINE"}
    app = list_app(states, model=model, node_status=status.__getitem__)
    async with app.run_test(size=(100, 30)) as pilot:
        w = app.query_one(ResourceList)
        built = w.rows_built
        model.resource("web", "alpha").flags.add("DELETE")  # as rsc_delete does
        w.set_states(states, model, status.__getitem__)
        await pilot.pause()
        assert w.rows_built == built + 1
        assert "alpha⊖" in w.row("web").lines[0].plain  # type: ignore[union-attr]
        assert w.move_cursor_to("web") and w.cursor_resource == "web"
        await pilot.pause()
        assert "alpha⊖" in _screen(app)


async def test_no_color_keeps_symbols_and_drops_colours(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    states = cluster(NODES, ["a", "b"])
    disconnect(states, "b", "alpha", "bravo", NODES)
    app = list_app(states, ascii=False)
    async with app.run_test(size=(80, 24)):
        assert app.no_color
        w = app.query_one(ResourceList)
        base = w.rich_style
        for y in range(4):
            strip = w.render_line(y)
            assert {s.style.color for s in strip if s.style} <= {base.color}, y
        assert w.render_line(0).text.startswith("✗ b")  # the symbol still says "alert"


async def test_click_and_double_click() -> None:
    app = list_app(demo_states(12))
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        await pilot.click(ResourceList, offset=(5, 5))  # res07's first line (res05 has 5)
        assert w.cursor_resource == "res07"
        await pilot.click(ResourceList, offset=(5, 13), times=2)
        await pilot.pause()
        sel = [m.resource for m in app.messages if isinstance(m, ResourceList.Selected)]
        assert sel == [w.cursor_resource] and sel[0] not in ("res05", "res07")


async def test_longer_name_later_widens_the_column_and_drbdmon_page_keys() -> None:
    states = cluster(NODES, [f"r{i:02d}" for i in range(60)])
    app = list_app(states)
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(ResourceList)
        long = "a-much-longer-resource-name-x"
        states["alpha"].feed(f"create resource name:{long} role:Secondary")
        await pilot.pause(0.35)
        heads = [w.row(n).lines[0].plain for n in ("r00", "r59")]  # type: ignore[union-attr]
        assert all(h.index("Secondary") > len(long) for h in heads)  # one column for all
        await pilot.press("greater_than_sign")
        assert w.order.index(w.cursor_resource or "") > 10
        await pilot.press("less_than_sign")
        assert w.order.index(w.cursor_resource or "") < 10
