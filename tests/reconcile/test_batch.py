"""run_steps against a real local /bin/sh: verdicts, the failing command, chunking."""

from __future__ import annotations

import asyncio

from drbdeck.backend.reconcile import batch
from drbdeck.backend.reconcile.batch import Step, run_steps
from drbdeck.backend.satellite.command import CommandResult


class LocalShell:
    """Runs command lines with /bin/sh, as sshd would on a node."""

    node = "local"

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def run_command_line(self, command: str, log_argv: list[str], *, input=None,
                               timeout=None, check=False, wrap=False) -> CommandResult:
        self.lines.append(command)
        p = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", command, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await p.communicate()
        return CommandResult(self.node, tuple(log_argv), p.returncode, out, err, 0.0)


async def test_verdicts_and_failing_command() -> None:
    sh = LocalShell()
    steps = [
        Step("ok", [["echo", "hello"], ["true"]]),
        Step("second-fails", [["echo", "one"], ["sh", "-c", "echo boom >&2; exit 3"],
                              ["echo", "never"]]),
        Step("hostile", [["echo", "a; rm -rf /tmp/x && echo $HOME `id`"]]),
        Step("first-fails", [["false"]]),
    ]
    res = await run_steps(sh, steps, label="t")
    assert len(sh.lines) == 1  # one round trip
    assert res["ok"].ok and res["ok"].failed is None
    bad = res["second-fails"]
    assert not bad.ok and bad.failed == ["sh", "-c", "echo boom >&2; exit 3"]
    assert bad.output == ["boom"]
    assert res["hostile"].ok  # quoted: echoed, not executed
    assert res["first-fails"].failed == ["false"]


async def test_long_batches_are_split(monkeypatch) -> None:
    monkeypatch.setattr(batch, "MAX_LINE", 500)
    sh = LocalShell()
    steps = [Step(f"s{i}", [["echo", f"step {i}"]]) for i in range(60)]
    steps.append(Step("last", [["false"]]))
    res = await run_steps(sh, steps, label="t")
    assert len(sh.lines) > 5
    assert all(len(line) <= 500 for line in sh.lines)
    assert all(res[f"s{i}"].ok for i in range(60))
    assert not res["last"].ok


async def test_a_step_without_verdict_is_a_failure() -> None:
    class Truncating(LocalShell):
        async def run_command_line(self, command, log_argv, **kw):  # type: ignore[override]
            return await super().run_command_line(command.split(" ; ")[0] + " ; exit 7",
                                                  log_argv)

    res = await run_steps(Truncating(), [Step("x", [["true"]])], label="t")
    assert not res["x"].ok
    assert "no verdict" in res["x"].tail
