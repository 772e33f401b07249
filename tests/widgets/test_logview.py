"""LogView: bounded append-only log, filter (also inverted), follow-tail, redaction."""

from __future__ import annotations

import time

from drbdeck.backend.satellite.commandlog import CommandLog
from drbdeck.widgets.logview import LogLine, LogView, command_entry_line, redact
from tests.widgets.demo_more import demo_lines, log_app


def _lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    w = app.query_one(LogView)
    return [w.render_line(y).text.rstrip() for y in range(w.scrollable_content_region.height)]


def test_command_entry_line_and_no_secrets() -> None:
    log = CommandLog()
    ok = log.record("alpha", ["drbdadm", "adjust", "web"], 0, 0.25)
    bad = log.record("bravo", ["drbdsetup", "net-options", "web", "1",
                               "--shared-secret=Sup3rS3cretValue", "--cram-hmac-alg=sha1"],
                     10, 1.5, b"drbdsetup: shared-secret \"Sup3rS3cretValue\"; rejected\nbye")
    lost = log.record("charlie", ["drbdadm", "up", "web"], None, 30.0, timed_out=True,
                      error="connection lost")
    a = command_entry_line(ok)
    assert (a.source, a.level) == ("alpha", "info")
    assert a.text == "$ drbdadm adjust web | exit 0 | 0.25s"
    b = command_entry_line(bad)
    assert b.level == "error" and "exit 10" in b.text and "1.50s" in b.text
    assert "Sup3rS3cretValue" not in b.text and "--shared-secret=***" in b.text
    assert "stderr: drbdsetup: shared-secret ***; rejected" in b.text
    c = command_entry_line(lost)
    assert "exit ?" in c.text and "TIMED OUT" in c.text and "connection lost" in c.text
    assert c.level == "error"
    # a secret known to the caller is masked wherever it appears
    assert redact("cat /etc/drbd.d/x.res # abcdEFGH12", ["abcdEFGH12"]).endswith("# ***")


async def test_follow_filter_invert_and_scrollback() -> None:
    app = log_app(demo_lines(60))
    async with app.run_test(size=(80, 24)) as pilot:
        w = app.query_one(LogView)
        await pilot.pause()
        assert w.following and "res59" in _lines(app)[-1]
        w.set_filter("ERROR")  # matches nothing in the text: the level is not text
        assert "No log lines match the filter." in _lines(app)[0]
        w.set_filter("exit 1")
        assert [ln.level for ln in w.shown] == ["error"] * len(w.shown) and w.shown
        w.set_filter("BRAVO")  # case-insensitive, matches the source too
        assert {ln.source for ln in w.shown} == {"bravo"}
        w.set_filter("bravo", invert=True)
        assert "bravo" not in {ln.source for ln in w.shown} and len(w.shown) == 40
        w.set_filter("")
        assert len(w.shown) == 60
        # scrolling up stops following; new lines do not move the view
        await pilot.press("pageup")
        assert not w.following
        first = _lines(app)[0]
        w.append(LogLine(time.time(), "alpha", "brand new line", "warn"))
        await pilot.pause(0.3)
        assert _lines(app)[0] == first
        await pilot.press("end")
        assert w.following and "brand new line" in _lines(app)[-1]
        assert "WARN" in _lines(app)[-1]


async def test_bounded_and_control_characters() -> None:
    app = log_app([], max_lines=100)
    async with app.run_test(size=(80, 10)) as pilot:
        w = app.query_one(LogView)
        assert "Log is empty." in _lines(app)[0]
        for i in range(250):
            w.append(LogLine(1.0e9 + i, "n", f"line {i}"))
        w.append(LogLine(float("nan"), "\x1b[31mevil", "a\x1b[2Jb\r\nsecond\tline", "odd"))
        await pilot.pause(0.3)
        assert len(w.lines) == 100 and w.lines[0].text == "line 151"
        last = _lines(app)[-1]
        assert "\x1b" not in last and "a�[2Jb ⏎ second line" in last
        assert "??:??:??" in last
        w.clear()
        await pilot.pause()
        assert w.lines == [] and "Log is empty." in _lines(app)[0]
