"""Just enough POSIX shell for what a controller sends over an SSH exec channel.

Supported: quoting (``'…'``, ``"…"``, backslash), ``&&``, ``||``, ``;``, ``|``, redirections
``>``, ``>>``, ``<``, ``2>``, ``2>>``, ``2>&1``, ``>&2``, ``&>``, ``VAR=value`` prefixes and
``#`` comments. No expansion beyond that: a controller that needs more is doing too much
on the node. Unknown programs answer like bash (``bash: X: command not found``, 127).
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from drbdeck.emulator.core import COMMANDS, Invocation, NodeServices

log = logging.getLogger(__name__)

#: programs that consume stdin when given no file arguments; the server only waits for
#: the client's stdin EOF for these, so streaming commands (events2) never block on it
READS_STDIN: set[str] = {"cat", "sha256sum", "tee", "dd", "md5sum", "wc"}


class ShellSyntaxError(Exception):
    """A command line the emulated shell cannot parse (bash exit status 2)."""


_OPS = ("&&", "||", ">>", "2>>", "2>&1", ">&2", "1>&2", "&>", "2>", "1>", ">", "<", ";", "|")


@dataclass
class Token:
    kind: str  # "word" or "op"
    value: str


def tokenize(line: str) -> list[Token]:
    """Split into words and operators; quoted text never becomes an operator."""
    toks: list[Token] = []
    i, n = 0, len(line)
    word: list[str] = []
    in_word = False

    def flush() -> None:
        nonlocal word, in_word
        if in_word:
            toks.append(Token("word", "".join(word)))
        word, in_word = [], False

    while i < n:
        c = line[i]
        if c in " \t\n":
            flush()
            i += 1
            continue
        if c == "#" and not in_word:
            break
        if c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `''")
            word.append(line[i + 1 : j])
            in_word = True
            i = j + 1
            continue
        if c == '"':
            i += 1
            buf = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n and line[i + 1] in '"\\$`\n':
                    buf.append(line[i + 1])
                    i += 2
                    continue
                buf.append(line[i])
                i += 1
            if i >= n:
                raise ShellSyntaxError('unexpected EOF while looking for matching `"\'')
            word.append("".join(buf))
            in_word = True
            i += 1
            continue
        if c == "\\":
            if i + 1 < n:
                word.append(line[i + 1])
                in_word = True
            i += 2
            continue
        # operators: "2>" only when the 2 starts a word
        op = None
        for cand in _OPS:
            if line.startswith(cand, i):
                if cand[0] in "12" and in_word:
                    continue
                op = cand
                break
        if op is not None:
            flush()
            toks.append(Token("op", op))
            i += len(op)
            continue
        if c == "&":
            raise ShellSyntaxError("background jobs (&) are not supported")
        word.append(c)
        in_word = True
        i += 1
    flush()
    return toks


@dataclass
class Redirect:
    fd: int  # 1 or 2 (0 for "<")
    target: str  # a path, or "&1"/"&2"
    append: bool = False


@dataclass
class SimpleCommand:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[SimpleCommand]


#: a list of (connector, pipeline); the first connector is ";"
CommandList = list[tuple[str, Pipeline]]


def parse(line: str) -> CommandList:
    toks = tokenize(line)
    result: CommandList = []
    connector = ";"
    cmds: list[SimpleCommand] = []
    cur = SimpleCommand([])
    i = 0

    def end_command() -> None:
        nonlocal cur
        if not cur.argv and not cur.env and not cur.redirects:
            raise ShellSyntaxError("syntax error near unexpected token")
        cmds.append(cur)
        cur = SimpleCommand([])

    while i < len(toks):
        t = toks[i]
        i += 1
        if t.kind == "word":
            if not cur.argv and "=" in t.value and t.value.split("=", 1)[0].isidentifier():
                k, v = t.value.split("=", 1)
                cur.env[k] = v
            else:
                cur.argv.append(t.value)
            continue
        op = t.value
        if op in ("2>&1", ">&2", "1>&2"):
            cur.redirects.append(Redirect(2 if op == "2>&1" else 1, "&1" if op == "2>&1"
                                          else "&2"))
            continue
        if op in (">", ">>", "2>", "2>>", "1>", "&>", "<"):
            if i >= len(toks) or toks[i].kind != "word":
                raise ShellSyntaxError(f"syntax error near unexpected token `{op}'")
            target = toks[i].value
            i += 1
            if op == "&>":
                cur.redirects += [Redirect(1, target), Redirect(2, "&1")]
            elif op == "<":
                cur.redirects.append(Redirect(0, target))
            else:
                cur.redirects.append(Redirect(2 if op.startswith("2") else 1, target,
                                              op.endswith(">>")))
            continue
        if op == "|":
            end_command()
            continue
        # && || ;
        end_command()
        result.append((connector, Pipeline(cmds)))
        cmds = []
        connector = op
    if cur.argv or cur.env or cur.redirects:
        end_command()
    if cmds:
        result.append((connector, Pipeline(cmds)))
    elif connector in ("&&", "||", "|"):
        raise ShellSyntaxError(f"syntax error: unexpected end of file after `{connector}'")
    return result


@dataclass
class ShellIO:
    """Where a command line's output goes and how it gets its stdin."""

    out: Callable[[str], None]
    err: Callable[[str], None]
    read_stdin: Callable[[], Awaitable[bytes]]
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class _Sink:
    """An output target: the channel, a buffer for a file/pipe, or nowhere."""

    def __init__(self, write: Callable[[str], None] | None) -> None:
        self.write_fn = write
        self.buf: list[str] = []

    def __call__(self, s: str) -> None:
        if self.write_fn is not None:
            self.write_fn(s)
        else:
            self.buf.append(s)

    def text(self) -> str:
        return "".join(self.buf)


async def run_line(node: NodeServices, line: str, io: ShellIO) -> int:
    """Run one exec command line; returns the exit status of the last pipeline run."""
    try:
        clist = parse(line)
    except ShellSyntaxError as exc:
        io.err(f"bash: {exc}\n")
        return 2
    status = 0
    stdin_used = False
    for connector, pipeline in clist:
        if connector == "&&" and status != 0:
            continue
        if connector == "||" and status == 0:
            continue
        _expand_status(pipeline, status)
        status, used = await _run_pipeline(node, pipeline, io, stdin_used)
        stdin_used = stdin_used or used
        if io.closed.is_set():
            break
    return status


def _expand_status(p: Pipeline, status: int) -> None:
    """``$?`` is the one expansion controllers commonly use (``cmd; echo rc=$?``)."""
    for cmd in p.commands:
        cmd.argv = [a.replace("${?}", str(status)).replace("$?", str(status))
                    for a in cmd.argv]


async def _run_pipeline(node: NodeServices, p: Pipeline, io: ShellIO,
                        stdin_used: bool) -> tuple[int, bool]:
    piped: bytes | None = None
    status = 0
    used = False
    for idx, cmd in enumerate(p.commands):
        last = idx == len(p.commands) - 1
        pipe_sink = None if last else _Sink(None)
        status, took = await _run_simple(node, cmd, io, piped, pipe_sink, stdin_used or used)
        used = used or took
        piped = pipe_sink.text().encode() if pipe_sink is not None else None
    return status, used


async def _run_simple(node: NodeServices, cmd: SimpleCommand, io: ShellIO,
                      piped: bytes | None, pipe_sink: _Sink | None,
                      stdin_used: bool) -> tuple[int, bool]:
    fs = node.fs
    out: Callable[[str], None] = pipe_sink if pipe_sink is not None else io.out
    err: Callable[[str], None] = io.err
    files: list[tuple[Redirect, _Sink]] = []
    stdin: bytes | None = piped
    for r in cmd.redirects:
        if r.fd == 0:
            try:
                stdin = fs.read_bytes(r.target)
            except OSError as exc:
                io.err(f"bash: {r.target}: {exc.strerror}\n")
                return 1, False
            continue
        if r.target == "&1":
            err = out
            continue
        if r.target == "&2":
            out = err
            continue
        if r.target == "/dev/null":
            sink = _Sink(lambda _s: None)
        else:
            parent = posixpath.dirname(posixpath.join("/root", r.target)) or "/"
            if not fs.is_dir(parent) or fs.is_dir(r.target):
                why = "Is a directory" if fs.is_dir(r.target) else "No such file or directory"
                io.err(f"bash: {r.target}: {why}\n")
                return 1, False
            sink = _Sink(None)
            files.append((r, sink))
        if r.fd == 1:
            out = sink
        else:
            err = sink
    if not cmd.argv:
        _flush(fs, files)
        return 0, False
    prog = posixpath.basename(cmd.argv[0])
    handler = COMMANDS.get(prog)
    if handler is None:
        err(f"bash: {cmd.argv[0]}: command not found\n")
        _flush(fs, files)
        return 127, False
    took = False
    if stdin is None:
        wants = prog in READS_STDIN and not [a for a in cmd.argv[1:] if not a.startswith("-")]
        if wants and not stdin_used:
            stdin = await io.read_stdin()
            took = True
        else:
            stdin = b""
    inv = Invocation(node=node, argv=[prog, *cmd.argv[1:]], stdin=stdin, env=dict(cmd.env),
                     out=out, err=err, closed=io.closed)
    try:
        status = int(await handler(inv))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("emulated %s failed on %s", prog, getattr(node, "name", "?"))
        err(f"{prog}: internal emulator error: {exc}\n")
        status = 1
    _flush(fs, files)
    return status, took


def _flush(fs, files: list[tuple[Redirect, _Sink]]) -> None:
    for r, sink in files:
        data = sink.text().encode()
        if r.append and hasattr(fs, "append_bytes"):
            fs.append_bytes(r.target, data)
        else:
            fs.write_bytes(r.target, data)
