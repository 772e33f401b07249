"""The chaos menu's entries and dispatch, on a recording ChaosActions (the emulator-backed
one is exercised in test_demo_session / test_demo_console)."""

from __future__ import annotations

import pytest

from drbdeck.tui.chaos import ChaosActions, menu_entries, run_action


class Recorder:
    def __init__(self, stateful: bool) -> None:
        self.calls: list[tuple[str, ...]] = []
        if stateful:
            self.node_running = lambda n: n != "bravo"
            self.link_is_cut = lambda a, b: {a, b} == {"alpha", "charlie"}

    def nodes(self) -> list[str]:
        return ["alpha", "bravo", "charlie"]

    async def stop_node(self, node: str) -> str | None:
        self.calls.append(("stop", node))
        return None

    async def start_node(self, node: str) -> str | None:
        self.calls.append(("start", node))
        return f"{node} is back"

    async def cut_link(self, a: str, b: str) -> str | None:
        self.calls.append(("cut", a, b))
        return None

    async def restore_link(self, a: str, b: str) -> str | None:
        self.calls.append(("restore", a, b))
        return None


def ids(entries: list) -> list[str | None]:
    return [None if e is None else e[0] for e in entries]


def test_without_state_every_action_is_offered() -> None:
    r = Recorder(stateful=False)
    assert isinstance(r, ChaosActions)
    got = ids(menu_entries(r))
    assert got[:6] == ["stop:alpha", "start:alpha", "stop:bravo", "start:bravo",
                       "stop:charlie", "start:charlie"]
    assert got[6] is None
    assert got[7:] == ["cut:alpha:bravo", "restore:alpha:bravo", "cut:alpha:charlie",
                       "restore:alpha:charlie", "cut:bravo:charlie", "restore:bravo:charlie"]


def test_with_state_only_the_useful_action_is_offered_and_aligned() -> None:
    entries = menu_entries(Recorder(stateful=True))
    assert ids(entries) == ["stop:alpha", "start:bravo", "stop:charlie", None,
                            "cut:alpha:bravo", "restore:alpha:charlie", "cut:bravo:charlie"]
    labels = dict(e for e in entries if e is not None)
    assert labels["start:bravo"].endswith("STOPPED")
    assert labels["restore:alpha:charlie"].endswith("CUT")
    states = {len(lbl) - len(lbl.rsplit("  ", 1)[-1]) for lbl in labels.values()}
    assert len(states) == 1, labels  # the state column starts at the same place


async def test_run_action_dispatches_and_words_the_result() -> None:
    r = Recorder(stateful=False)
    assert await run_action(r, "stop:bravo") == "node bravo stopped"
    assert await run_action(r, "start:bravo") == "bravo is back"
    assert await run_action(r, "cut:alpha:charlie") == "link alpha-charlie cut"
    assert await run_action(r, "restore:alpha:charlie") == "link alpha-charlie restored"
    assert r.calls == [("stop", "bravo"), ("start", "bravo"), ("cut", "alpha", "charlie"),
                       ("restore", "alpha", "charlie")]


@pytest.mark.parametrize("bad", ["explode:alpha", "stop", "cut:alpha", "stop:a:b", ""])
async def test_run_action_refuses_unknown_ids(bad: str) -> None:
    r = Recorder(stateful=False)
    with pytest.raises(ValueError, match="stop/start/cut/restore"):
        await run_action(r, bad)
    assert r.calls == []
