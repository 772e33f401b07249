"""DirtyFilter: state changes reach the list at once, progress only while visible."""

from __future__ import annotations

from dataclasses import dataclass, field

from drbdeck.tui.mon_dirty import DirtyFilter, is_progress_line, visible_names


@dataclass
class _Row:
    lines: list[str]


@dataclass
class FakeList:
    rows: dict[str, int]  # name -> number of lines, in display order
    marked: list[str | None] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return list(self.rows)

    def row(self, resource: str) -> _Row | None:
        n = self.rows.get(resource)
        return _Row(["x"] * n) if n else None

    def mark_dirty(self, resource: str | None = None) -> None:
        self.marked.append(resource)


PD = "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0"


def test_progress_line_classification() -> None:
    assert is_progress_line(f"{PD} done:12.50")
    assert is_progress_line(f"{PD} done:12.50 received:0 sent:5 out-of-sync:8 dbdt1:85.55 eta:10")
    assert is_progress_line(PD)  # identity only: nothing that changes a row's shape
    assert not is_progress_line(f"{PD} replication:Established")
    assert not is_progress_line(f"{PD} peer-disk:UpToDate peer-client:no")
    assert not is_progress_line(f"{PD} resync-suspended:user")
    assert not is_progress_line("change resource name:r0 role:Primary")
    assert not is_progress_line("change device name:r0 volume:0 minor:1 disk:Failed")


def test_visible_names() -> None:
    lst = FakeList({"a": 3, "b": 1, "c": 4, "d": 1})
    assert visible_names(lst, 0, 3) == {"a"}
    assert visible_names(lst, 0, 4) == {"a", "b"}
    assert visible_names(lst, 3, 2) == {"b", "c"}
    assert visible_names(lst, 8, 5) == {"d"}


def test_state_changes_now_progress_when_visible() -> None:
    lst = FakeList({"a": 1, "b": 1, "c": 1})
    visible = {"a"}
    f = DirtyFilter(lst, lambda: set(visible), progress_every=2)
    f.note("c")  # a state change off screen: forwarded at once
    f.progress_line = True
    f.note("a")
    f.note("b")
    f.progress_line = False
    f.flush()  # tick 1: progress waits for every 2nd tick
    assert lst.marked == ["c"]
    f.flush()  # tick 2: visible progress forwarded, off-screen deferred
    assert lst.marked == ["c", "a"] and f.deferred == {"b"}
    visible.add("b")  # scrolled into view
    f.flush()
    f.flush()
    assert lst.marked == ["c", "a", "b"] and not f.deferred


def test_state_change_overrides_deferred_progress_and_none_means_all() -> None:
    lst = FakeList({"a": 1, "b": 1})
    f = DirtyFilter(lst, set, progress_every=1)
    f.progress_line = True
    f.note("b")
    f.flush()
    assert f.deferred == {"b"} and lst.marked == []
    f.progress_line = False
    f.note("b")
    f.flush()
    assert lst.marked == ["b"] and not f.deferred
    f.note("a")
    f.note(None)
    f.flush()
    assert lst.marked == ["b", None]
