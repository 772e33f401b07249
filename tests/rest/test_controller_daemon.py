"""``drbdeck controller`` as a real subprocess: start, answer, SIGTERM → exit 0, DB 0600;
bad --listen / --db → exit 2 with a clear message."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from drbdeck.cli.controller import UsageError, parse_listen


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "drbdeck.cli.main", "controller", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_starts_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "ctl.db"
    proc = _start("--db", str(db), "--listen", "127.0.0.1:0")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line + (proc.stderr.read() if proc.stderr else "")
        url = f"http://127.0.0.1:{match.group(1)}/v1/controller/version"
        with urllib.request.urlopen(url, timeout=10) as resp:
            info = json.loads(resp.read())
        assert info["rest_api_version"] == "1.28.0"
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigint_also_stops_cleanly(tmp_path: Path) -> None:
    proc = _start("--db", str(tmp_path / "c.db"), "--listen", "127.0.0.1:0")
    try:
        assert proc.stdout is not None and "REST API on" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("args", "text"), [
    (["--listen", "nonsense"], "expected HOST:PORT"),
    (["--listen", "127.0.0.1:99999"], "from 0 to 65535"),
    (["--listen", "127.0.0.1:http"], "must be an integer"),
    (["--listen", "::1:3370"], "brackets"),
])
def test_bad_listen_exits_2(tmp_path: Path, args: list[str], text: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "controller", "--db",
                           str(tmp_path / "x.db"), *args], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2
    assert text in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.db").exists()


def test_db_is_a_directory_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "controller", "--db",
                           str(tmp_path), "--listen", "127.0.0.1:0"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "is a directory" in proc.stderr


def test_db_not_a_database_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    proc = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "controller", "--db",
                           str(junk), "--listen", "127.0.0.1:0"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert str(junk) in proc.stderr and "Traceback" not in proc.stderr


def test_port_in_use_exits_2(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "controller", "--db",
                               str(tmp_path / "x.db"), "--listen", f"127.0.0.1:{port}"],
                              capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "cannot listen" in proc.stderr


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:3370") == ("127.0.0.1", 3370)
    assert parse_listen("[::1]:80") == ("::1", 80)
    assert parse_listen("0.0.0.0:0") == ("0.0.0.0", 0)
    with pytest.raises(UsageError):
        parse_listen(":3370")
    with pytest.raises(UsageError):
        parse_listen("[zz]:1")


def test_main_routes_controller_daemon_not_linstor_group() -> None:
    from drbdeck.cli import linstor

    assert not linstor.claims(["controller", "--db", "x"])
    assert not linstor.claims(["controller"])
    assert linstor.claims(["controller", "version"])


def test_daemon_serves_the_cli_and_keeps_state_across_restart(tmp_path: Path) -> None:
    """The daemon (with the node runtime when installed) serves drbdeck's CLI; a node whose
    SSH port refuses stays OFFLINE; the DB survives a SIGTERM restart."""
    db = tmp_path / "ctl.db"

    def cli(port: str, *words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "drbdeck.cli.main", "--controllers",
                               f"127.0.0.1:{port}", "--no-color", *words],
                              capture_output=True, text=True, timeout=60)

    for round_ in range(2):
        proc = _start("--db", str(db), "--listen", "127.0.0.1:0")
        try:
            assert proc.stdout is not None
            match = re.search(r":(\d+) ", proc.stdout.readline())
            assert match
            port = match.group(1)
            if round_ == 0:
                done = cli(port, "n", "c", "alpha", "127.0.0.1", "--ssh-port", "1")
                assert done.returncode == 0, done.stdout + done.stderr
                done = cli(port, "rd", "c", "r1", "-p", "15500")
                assert done.returncode == 0, done.stdout + done.stderr
            listing = cli(port, "n", "l")
            assert listing.returncode == 0 and "alpha" in listing.stdout
            assert "OFFLINE" in listing.stdout
            rds = cli(port, "rd", "l")
            assert "r1" in rds.stdout and "DRBD,STORAGE" in rds.stdout
            raw = json.loads(cli(port, "-m", "rd", "l").stdout)
            assert raw[0][0]["layer_data"][0]["data"]["port"] == 15500
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
