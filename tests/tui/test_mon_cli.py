"""``drbdeck mon`` command line: options, a missing drbdsetup, help — no traceback ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drbdeck.config import Config
from drbdeck.tui import mon

FAKEBIN = Path(__file__).resolve().parents[1] / "fakebin"


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = mon.main(argv, Config())
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_drbdsetup_on_path(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run_main([], capsys)
    assert code == mon.EXIT_NO_DRBDSETUP == 20
    assert "drbdsetup was not found on PATH" in err and "--drbdsetup" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda d: d / "nope", "does not exist"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "plain").write_text("x") and d / "plain", "is not executable"),
    ],
)
def test_bad_drbdsetup_option(tmp_path, capsys, make, why) -> None:
    path = make(tmp_path)
    code, _, err = run_main(["--drbdsetup", str(path)], capsys)
    assert code == 20
    assert f"--drbdsetup: {path} {why}" in err


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--respawn-delay", "soon"], "--respawn-delay: 'soon' is not a number"),
        (["--respawn-delay", "0"], "--respawn-delay: must be between 0.05 and 3600"),
        (["--respawn-delay", "nan"], "--respawn-delay: must be between"),
        (["--drbdsetup"], "--drbdsetup: expected one argument"),
    ],
)
def test_bad_options(capsys, argv, why) -> None:
    code, _, err = run_main(argv, capsys)
    assert code == 2
    assert why in err and "usage: drbdeck mon" in err


def test_help(capsys) -> None:
    code, out, _ = run_main(["-h"], capsys)
    assert code == 0
    for opt in ("--problems", "--ascii", "--drbdsetup PATH", "--no-statistics"):
        assert opt in out


def test_resolve_finds_fake_on_path(monkeypatch) -> None:
    monkeypatch.setenv("PATH", f"{FAKEBIN}{os.pathsep}/usr/bin:/bin")
    assert mon.resolve_drbdsetup(None) == str(FAKEBIN / "drbdsetup")


def test_through_the_drbdeck_entry_point(tmp_path) -> None:
    """The real command: `drbdeck mon` with no drbdsetup anywhere on PATH."""
    env = {**os.environ, "PATH": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "drbdeck.cli.main", "mon"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert p.returncode == 20, p.stderr
    assert p.stderr.strip().startswith("drbdeck mon: drbdsetup was not found on PATH")
    assert "Traceback" not in p.stderr


def test_events2_command_line() -> None:
    from drbdeck.tui.mon_source import events2_argv

    assert events2_argv("/x/drbdsetup") == ["/x/drbdsetup", "events2", "all", "--statistics"]
    assert events2_argv("/x/drbdsetup", statistics=False) == ["/x/drbdsetup", "events2", "all"]
