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
class Group:
    """``{ list; }``: a command list run in the current shell (for ``|| { rm; exit 1; }``)."""

    body: CommandList
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[SimpleCommand | Group]


#: a list of (connector, pipeline); the first connector is ";"
CommandList = list[tuple[str, Pipeline]]


class _Parser:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse_list(self, in_group: bool) -> CommandList:
        result: CommandList = []
        connector = ";"
        dangling = False  # an operator that still needs its right-hand side
        while True:
            t = self.peek()
            if t is None or (in_group and t.kind == "word" and t.value == "}"):
                if dangling and connector in ("&&", "||"):
                    raise ShellSyntaxError(f"syntax error: unexpected end after `{connector}'")
                return result
            result.append((connector, self.parse_pipeline()))
            dangling = False
            t = self.peek()
            if t is None:
                continue
            if t.kind == "op" and t.value in ("&&", "||", ";"):
                connector = t.value
                dangling = True
                self.i += 1
                continue
            if in_group and t.kind == "word" and t.value == "}":
                raise ShellSyntaxError("syntax error near unexpected token `}' (need ';')")
            raise ShellSyntaxError(f"syntax error near unexpected token `{t.value}'")

    def parse_pipeline(self) -> Pipeline:
        cmds: list[SimpleCommand | Group] = [self.parse_command()]
        while (t := self.peek()) is not None and t.kind == "op" and t.value == "|":
            self.i += 1
            cmds.append(self.parse_command())
        return Pipeline(cmds)

    def parse_command(self) -> SimpleCommand | Group:
        t = self.peek()
        if t is not None and t.kind == "word" and t.value == "{":
            self.i += 1
            body = self.parse_list(in_group=True)
            end = self.peek()
            if end is None or end.value != "}":
                raise ShellSyntaxError("syntax error: unexpected end of file (missing `}')")
            if not body:
                raise ShellSyntaxError("syntax error near unexpected token `}'")
            self.i += 1
            g = Group(body)
            self._redirects(g.redirects)
            return g
        cur = SimpleCommand([])
        while (t := self.peek()) is not None:
            if t.kind == "word":
                if not cur.argv and "=" in t.value and t.value.split("=", 1)[0].isidentifier():
                    k, v = t.value.split("=", 1)
                    cur.env[k] = v
                else:
                    cur.argv.append(t.value)
                self.i += 1
                continue
            if not self._redirect(cur.redirects):
                break
        if not cur.argv and not cur.env and not cur.redirects:
            bad = t.value if t is not None else "newline"
            raise ShellSyntaxError(f"syntax error near unexpected token `{bad}'")
        return cur

    def _redirects(self, into: list[Redirect]) -> None:
        while self._redirect(into):
            pass

    def _redirect(self, into: list[Redirect]) -> bool:
        t = self.peek()
        if t is None or t.kind != "op":
            return False
        op = t.value
        if op in ("2>&1", ">&2", "1>&2"):
            self.i += 1
            into.append(Redirect(2, "&1") if op == "2>&1" else Redirect(1, "&2"))
            return True
        if op not in (">", ">>", "2>", "2>>", "1>", "&>", "<"):
            return False
        self.i += 1
        tgt = self.peek()
        if tgt is None or tgt.kind != "word":
            raise ShellSyntaxError(f"syntax error near unexpected token `{op}'")
        self.i += 1
        if op == "&>":
            into += [Redirect(1, tgt.value), Redirect(2, "&1")]
        elif op == "<":
            into.append(Redirect(0, tgt.value))
        else:
            into.append(Redirect(2 if op.startswith("2") else 1, tgt.value, op.endswith(">>")))
        return True


def parse(line: str) -> CommandList:
    """Parse a command line; raises :class:`ShellSyntaxError` with bash-like wording."""
    p = _Parser(tokenize(line))
    result = p.parse_list(in_group=False)
    if p.peek() is not None:
        raise ShellSyntaxError(f"syntax error near unexpected token `{p.peek().value}'")
    return result


class ShellExit(Exception):
    """``exit N``: ends the whole command line with status N."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


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
    ex = _Executor(node, io)
    try:
        return await ex.run_list(clist, io.out, io.err)
    except ShellExit as stop:
        return stop.status


Writer = Callable[[str], None]

#: programs that only run another program (``stdbuf -oL drbdsetup events2 …``)
_WRAPPERS = {"exec", "sudo", "env", "stdbuf", "nice", "nohup", "timeout"}


def strip_wrappers(argv: list[str], env: dict[str, str]) -> tuple[list[str], float | None]:
    """Drop wrapper programs and their options; returns the inner argv and a timeout."""
    limit: float | None = None
    while argv and posixpath.basename(argv[0]) in _WRAPPERS:
        w = posixpath.basename(argv[0])
        rest = argv[1:]
        if w in ("stdbuf", "sudo", "nice", "timeout", "env"):
            while rest and rest[0].startswith("-"):
                opt = rest.pop(0)
                if opt in ("-o", "-e", "-i", "-n", "-u", "-s", "-k") and rest:
                    rest.pop(0)
            if w == "env":
                while rest and "=" in rest[0] and rest[0].split("=", 1)[0].isidentifier():
                    k, v = rest.pop(0).split("=", 1)
                    env[k] = v
            if w == "timeout" and rest:
                txt = rest.pop(0)
                try:
                    mult = {"s": 1, "m": 60, "h": 3600}.get(txt[-1:])
                    limit = float(txt[:-1]) * mult if mult else float(txt)
                except ValueError:
                    limit = None
        argv = rest
    return argv, limit


class _Executor:
    """Runs a parsed list; remembers whether the channel's stdin was consumed."""

    def __init__(self, node: NodeServices, io: ShellIO) -> None:
        self.node = node
        self.io = io
        self.stdin_used = False

    async def run_list(self, clist: CommandList, out: Writer, err: Writer) -> int:
        status = 0
        for connector, pipeline in clist:
            if connector == "&&" and status != 0:
                continue
            if connector == "||" and status == 0:
                continue
            _expand_status(pipeline, status)
            status = await self.run_pipeline(pipeline, out, err)
            if self.io.closed.is_set():
                break
        return status

    async def run_pipeline(self, p: Pipeline, out: Writer, err: Writer) -> int:
        piped: bytes | None = None
        status = 0
        for idx, cmd in enumerate(p.commands):
            last = idx == len(p.commands) - 1
            sink = None if last else _Sink(None)
            status = await self.run_command(cmd, piped, sink if sink is not None else out, err)
            piped = sink.text().encode() if sink is not None else None
        return status

    def _redirect(self, redirects: list[Redirect], out: Writer, err: Writer
                  ) -> tuple[Writer, Writer, bytes | None, list[tuple[Redirect, _Sink]]] | None:
        fs = self.node.fs
        files: list[tuple[Redirect, _Sink]] = []
        stdin: bytes | None = None
        for r in redirects:
            if r.fd == 0:
                try:
                    stdin = fs.read_bytes(r.target)
                except OSError as exc:
                    err(f"bash: {r.target}: {exc.strerror}\n")
                    return None
                continue
            if r.target in ("&1", "&2"):
                if r.target == "&1":
                    err = out
                else:
                    out = err
                continue
            if r.target == "/dev/null":
                sink = _Sink(lambda _s: None)
            else:
                parent = posixpath.dirname(posixpath.join("/root", r.target)) or "/"
                if not fs.is_dir(parent) or fs.is_dir(r.target):
                    why = "Is a directory" if fs.is_dir(r.target) else "No such file or directory"
                    err(f"bash: {r.target}: {why}\n")
                    return None
                sink = _Sink(None)
                files.append((r, sink))
            if r.fd == 1:
                out = sink
            else:
                err = sink
        return out, err, stdin, files

    async def run_command(self, cmd: SimpleCommand | Group, piped: bytes | None,
                          out: Writer, err: Writer) -> int:
        red = self._redirect(cmd.redirects, out, err)
        if red is None:
            return 1
        out, err, stdin, files = red
        if stdin is None:
            stdin = piped
        try:
            if isinstance(cmd, Group):
                return await self.run_list(cmd.body, out, err)
            return await self._run_program(cmd, stdin, out, err)
        finally:
            _flush(self.node.fs, files)

    async def _run_program(self, cmd: SimpleCommand, stdin: bytes | None,
                           out: Writer, err: Writer) -> int:
        env = dict(cmd.env)
        argv, limit = strip_wrappers(cmd.argv, env)
        if not argv:
            return 0
        prog = posixpath.basename(argv[0])
        if prog == "exit":
            raise ShellExit(int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 0)
        handler = COMMANDS.get(prog)
        if handler is None:
            err(f"bash: {argv[0]}: command not found\n")
            return 127
        if stdin is None:
            wants = prog in READS_STDIN and not [a for a in argv[1:] if not a.startswith("-")]
            if wants and not self.stdin_used:
                self.stdin_used = True
                stdin = await self.io.read_stdin()
            else:
                stdin = b""
        inv = Invocation(node=self.node, argv=[prog, *argv[1:]], stdin=stdin, env=env,
                         out=out, err=err, closed=self.io.closed)
        try:
            if limit is not None:
                return int(await asyncio.wait_for(handler(inv), limit))
            return int(await handler(inv))
        except TimeoutError:
            return 124
        except (asyncio.CancelledError, ShellExit):
            raise
        except Exception as exc:
            log.exception("emulated %s failed on %s", prog, getattr(self.node, "name", "?"))
            err(f"{prog}: internal emulator error: {exc}\n")
            return 1


def _expand_status(p: Pipeline, status: int) -> None:
    """``$?`` is the one expansion controllers commonly use (``cmd; echo rc=$?``)."""
    for cmd in p.commands:
        if isinstance(cmd, SimpleCommand):
            cmd.argv = [a.replace("${?}", str(status)).replace("$?", str(status))
                        for a in cmd.argv]


def _flush(fs, files: list[tuple[Redirect, _Sink]]) -> None:
    for r, sink in files:
        data = sink.text().encode()
        if r.append and hasattr(fs, "append_bytes"):
            fs.append_bytes(r.target, data)
        else:
            fs.write_bytes(r.target, data)
