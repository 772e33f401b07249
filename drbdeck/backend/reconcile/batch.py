"""Many independent command chains in one SSH round trip, each with its own verdict.

A node with 1,500 resources must not cost 1,500 round trips. Each *step* is a short chain
of commands that must run in order (``a && b && c``); steps are independent of each other.
They are joined with ``;`` into one command line, every command's stderr folded into
stdout (``2>&1``) between echoed marker lines, so the output tells which step failed, at
which command, and with which messages. Lines are kept below a length that every sshd and
shell accepts; longer batches are split and the pieces run concurrently on the link.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass, field
from typing import Protocol

from drbdeck.backend.satellite.command import CommandResult, validate_argv

#: Upper bound of one command line (Linux accepts far more; sshd/shells are happy here).
MAX_LINE = 60_000
_MARK = "@@drbdeck"


class Runner(Protocol):
    node: str

    async def run_command_line(self, command: str, log_argv: list[str], *,
                               input: bytes | str | None = None, timeout: float | None = None,
                               check: bool = False, wrap: bool = False) -> CommandResult: ...


@dataclass
class Step:
    """Commands that run in order; the step stops at the first failing one."""

    key: str
    argvs: list[list[str]]


@dataclass
class StepResult:
    key: str
    ok: bool
    failed: list[str] | None = None  # the argv that failed
    output: list[str] = field(default_factory=list)  # its stdout+stderr lines

    @property
    def tail(self) -> str:
        return "\n".join(self.output[-10:])


def _line(index: int, step: Step) -> str:
    parts = [f"echo {_MARK}:B:{index}"]
    chain = []
    for n, argv in enumerate(step.argvs):
        chain.append(f"{shlex.join(validate_argv(argv))} 2>&1")
        chain.append(f"echo {_MARK}:S:{index}:{n + 1}")
    parts.append(" && ".join(chain) + f" && echo {_MARK}:OK:{index} || echo {_MARK}:F:{index}")
    return " ; ".join(parts)


def _parse(steps: list[Step], first: int, stdout: str) -> dict[str, StepResult]:
    results: dict[str, StepResult] = {}
    cur: int | None = None
    done = 0
    out: list[str] = []
    for raw in stdout.splitlines():
        if not raw.startswith(_MARK + ":"):
            out.append(raw)
            continue
        _m, kind, idx_s, *rest = raw.split(":")
        idx = int(idx_s)
        if kind == "B":
            cur, done, out = idx, 0, []
        elif kind == "S":
            done, out = int(rest[0]), []
        elif kind in ("OK", "F") and cur == idx:
            step = steps[idx - first]
            ok = kind == "OK"
            failed = None if ok else step.argvs[min(done, len(step.argvs) - 1)]
            results[step.key] = StepResult(step.key, ok, failed, out if not ok else [])
            cur = None
    return results


async def run_steps(link: Runner, steps: list[Step], *, label: str,
                    timeout: float | None = None) -> dict[str, StepResult]:
    """Run ``steps`` in as few command lines as fit; a result per step key.

    A step whose verdict never arrived (the line was cut short) is reported as failed with
    the whole command line's stderr, so nothing is silently taken as done.
    """
    if not steps:
        return {}
    chunks: list[tuple[int, str]] = []
    cur: list[str] = []
    start = 0
    for i, s in enumerate(steps):
        piece = _line(i, s)
        if cur and sum(len(p) + 3 for p in cur) + len(piece) > MAX_LINE:
            chunks.append((start, " ; ".join(cur)))
            cur, start = [], i
        cur.append(piece)
    chunks.append((start, " ; ".join(cur)))

    async def one(first: int, line: str, count: int) -> dict[str, StepResult]:
        res = await link.run_command_line(line, [f"<batch {label}: {count} steps>"],
                                          timeout=timeout)
        part = _parse(steps[first:first + count], first, res.stdout_text)
        for s in steps[first:first + count]:
            if s.key not in part:
                part[s.key] = StepResult(s.key, False, s.argvs[0],
                                         res.stderr_text.splitlines()[-10:] or
                                         [f"no verdict (exit status {res.exit_status})"])
        return part

    bounds = [c[0] for c in chunks] + [len(steps)]
    parts = await asyncio.gather(*(one(first, line, bounds[n + 1] - first)
                                   for n, (first, line) in enumerate(chunks)))
    merged: dict[str, StepResult] = {}
    for p in parts:
        merged.update(p)
    return merged


__all__ = ["MAX_LINE", "Runner", "Step", "StepResult", "run_steps"]
