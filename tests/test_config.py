"""The config file: defaults, the example file, and every kind of bad input named."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck import config
from drbdeck.config import ConfigError, load

ROOT = Path(__file__).resolve().parents[1]


def test_missing_default_file_gives_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("DRBDECK_CONFIG", raising=False)
    monkeypatch.setattr(config, "default_path", lambda: tmp_path / "nope.toml")
    cfg = load()
    assert cfg.ssh.user == "root"
    assert cfg.source == "(defaults)"


def test_example_file_matches_defaults():
    """config.example.toml documents every key with its default value."""
    cfg = load(ROOT / "config.example.toml")
    defaults = config.Config()
    assert cfg.ssh == defaults.ssh
    assert cfg.emulator == defaults.emulator
    assert cfg.client == defaults.client


def test_values_are_read(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text('[ssh]\nuser = "admin"\nport = 2222\nconnect_timeout = 3\n')
    cfg = load(p)
    assert (cfg.ssh.user, cfg.ssh.port, cfg.ssh.connect_timeout) == ("admin", 2222, 3.0)


def test_client_controllers(tmp_path: Path):
    """``[client] controllers`` is what the CLI and the console fall back to."""
    assert config.Config().controllers is None
    p = tmp_path / "c.toml"
    p.write_text('[client]\ncontrollers = " 10.0.0.5:3370,10.0.0.6 "\n')
    assert load(p).controllers == "10.0.0.5:3370,10.0.0.6"
    p.write_text("[client]\ncontrollers = 3370\n")
    with pytest.raises(ConfigError, match="controllers must be a string"):
        load(p)


def test_env_var_selects_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text('[emulator]\nport_base = 3000\n')
    monkeypatch.setenv("DRBDECK_CONFIG", str(p))
    assert load().emulator.port_base == 3000


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[ssh]\nusr = 'x'\n", "unknown key 'usr'"),
        ("[sssh]\n", "unknown section [sssh]"),
        ("[ssh]\nport = 'twenty'\n", "port must be an integer"),
        ("[ssh]\nport = true\n", "port must be an integer"),
        ("[ssh]\nconnect_timeout = -1\n", "connect_timeout must not be negative"),
        ("[ssh\n", "not valid TOML"),
        ("ssh = 3\n", "[ssh] must be a table"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, needle: str):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(p)
    assert needle in str(info.value)
    assert str(p) in str(info.value)


def test_explicit_missing_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="config file not found"):
        load(tmp_path / "absent.toml")
