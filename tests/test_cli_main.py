"""The entry point's own behaviour: help, unknown programs, config errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drbdeck.cli.main import EXIT_OK, EXIT_USAGE, main


def test_no_program_opens_the_console(monkeypatch):
    import importlib
    import types

    calls = []
    fake = types.SimpleNamespace(main=lambda argv, config: calls.append(argv) or EXIT_OK)
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module",
                        lambda name: fake if name == "drbdeck.tui.cli" else real(name))
    assert main([]) == EXIT_OK
    assert calls == [[]]


def test_dash_h_prints_help(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["-h"])
    assert exc.value.code == 0
    assert "emulator" in capsys.readouterr().out


def test_unknown_program_is_a_usage_error(capsys):
    assert main(["frobnicate"]) == EXIT_USAGE
    assert "unknown program 'frobnicate'" in capsys.readouterr().err


def test_bad_config_is_a_usage_error_without_traceback(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[ssh]\nport = 'x'\n")
    assert main(["--config", str(bad), "emulator", "--help"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "port must be an integer" in err
    assert "Traceback" not in err


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "drbdeck.cli.main", "--version"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.startswith("drbdeck ")


def test_linstor_words_go_to_the_linstor_cli(capsys):
    """`drbdeck rd c first` is LINSTOR's grammar; --curl shows the request unsent."""
    assert main(["--curl", "rd", "c", "first"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "/v1/resource-definitions" in out and '"first"' in out


def test_config_option_is_taken_before_linstor_globals(tmp_path: Path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ssh]\nuser = 'x'\n")
    assert main(["--config", str(cfg), "--curl", "n", "l"]) == EXIT_OK
    assert "/v1/nodes" in capsys.readouterr().out


def test_split_config_leaves_the_rest_alone():
    from drbdeck.cli.main import split_config

    assert split_config(["--config=f", "-m", "r", "l", "--config", "x"]) == (
        "f", ["-m", "r", "l", "--config", "x"])
