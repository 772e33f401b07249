"""``drbdeck [GLOBAL OPTIONS] GROUP COMMAND ARGS…``: LINSTOR's command line over REST.

Global options come before the group, as in LINSTOR's client. The flow is
parse → build requests → ``--curl`` print or send → render (tables, ``-m`` JSON, or
SUCCESS/WARNING/ERROR messages). Exit codes: 0 ok (warnings included), 2 usage,
10 API error, 20 connection error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from rich.console import Console

from drbdeck.cli.linstor import replies
from drbdeck.cli.linstor.grammar import GROUPS, find_group
from drbdeck.cli.linstor.request import Request
from drbdeck.cli.linstor.spec import Command, Group, UsageError, parser_for
from drbdeck.cli.linstor.tables import make_console
from drbdeck.cli.linstor.transport import ConnectionFailed, Reply, controller_urls, send

EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_CONNECTION = 0, 2, 10, 20
PROG = "drbdeck"


def _global_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="LINSTOR-compatible command line (talks to the drbdeck controller)",
        epilog="groups:\n" + "\n".join(f"  {', '.join(g.words()):<36} {g.help}" for g in GROUPS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--controllers", help="host[:port][,…] (LS_CONTROLLERS is appended)")
    p.add_argument("-m", "--machine-readable", action="store_true", help="print JSON")
    p.add_argument("--no-color", action="store_true")
    p.add_argument("--no-utf8", action="store_true")
    p.add_argument("--curl", action="store_true", help="print curl commands, send nothing")
    p.add_argument("-t", "--timeout", type=float, default=300.0, help="seconds per request")
    p.add_argument("--warn-as-error", action="store_true", help="exit 10 on warnings too")
    p.add_argument("group", nargs="?", metavar="GROUP")
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p


def main(
    argv: list[str],
    config: object = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """Run one LINSTOR-style command; ``argv`` may start with global options.

    ``config`` may carry ``controllers`` (a ``host[:port],…`` string), used when
    ``--controllers`` is not given; ``LS_CONTROLLERS`` is appended either way."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        return _run(argv, config, out, err, env)
    except SystemExit as exc:  # argparse: -h (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


def requests_for(words: list[str]) -> list[Request]:
    """The requests ``GROUP COMMAND ARGS…`` would send (no global options; for tests and
    tools). Usage errors raise SystemExit(2) like argparse, after printing to stderr."""
    return _parse(words, sys.stdout)[2]


def _parse(words: list[str], out: TextIO) -> tuple[Command, argparse.Namespace, list[Request]]:
    """Group, command and its arguments → requests; SystemExit on help or usage errors."""
    group = find_group(words[0]) if words else None
    if group is None:
        argparse.ArgumentParser(prog=PROG).error(
            f"argument GROUP: unknown group {words[0] if words else ''!r}"
        )
        raise AssertionError  # unreachable: error() exits
    command, rest = _pick_command(group, words[1:], out)
    if command is None:
        raise SystemExit(rest)
    parser = parser_for(f"{PROG} {group.name} {command.name}", command)
    args = parser.parse_intermixed_args(command.prepare(rest) if command.prepare else rest)
    try:
        return command, args, command.build(args)
    except UsageError as exc:
        parser.error(str(exc))
        raise


def _run(argv: list[str], config: object, out: TextIO, err: TextIO, env: Any) -> int:
    g = _global_parser().parse_args(argv)
    if g.group is None:
        _global_parser().print_help(out)
        return EXIT_OK
    command, args, requests = _parse([g.group, *g.rest], out)
    console = make_console(out, g.no_color)
    try:
        option = g.controllers or getattr(config, "controllers", None) or None
        urls = controller_urls(option, env.get("LS_CONTROLLERS"))
    except ConnectionFailed as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_CONNECTION
    if g.curl:
        for request in requests:
            print(request.curl(urls[0]), file=out)
        return EXIT_OK
    return _execute(requests, command, args, g, urls, console, err)


def _pick_command(group: Group, rest: list[str], out: TextIO) -> tuple[Command | None, Any]:
    """The sub-command and its words; (None, exit code) after group help or an error."""
    if not rest or rest[0] in ("-h", "--help"):
        print(_group_help(group), file=out if rest else sys.stderr)
        return None, EXIT_OK if rest else EXIT_USAGE
    command = group.find(rest[0])
    if command is None:
        known = ", ".join("/".join(c.words()) for c in group.commands)
        parser = argparse.ArgumentParser(prog=f"{PROG} {group.name}")
        parser.error(f"argument COMMAND: unknown command {rest[0]!r} (known: {known})")
    return command, rest[1:]


def _group_help(group: Group) -> str:
    lines = [f"usage: {PROG} {group.name} COMMAND [-h] …", "", f"{group.help}", "", "commands:"]
    lines += [f"  {', '.join(c.words()):<34} {c.help}" for c in group.commands]
    return "\n".join(lines)


def _execute(
    requests: list[Request],
    command: Command,
    args: argparse.Namespace,
    g: argparse.Namespace,
    urls: list[str],
    console: Console,
    err: TextIO,
) -> int:
    answers: list[Reply] = []
    try:
        for request in requests:
            answers.append(send(urls, request, g.timeout))
    except ConnectionFailed as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_CONNECTION
    if g.machine_readable:
        console.file.write(json.dumps([a.body for a in answers], indent=2) + "\n")
        return _exit_code(answers, g.warn_as_error)
    code = EXIT_OK
    for answer in answers:
        if replies.is_rc_list(answer.body):
            code = max(code, replies.print_replies(console, answer.body))
        elif answer.status >= 400:
            code = max(code, replies.print_http_error(console, answer.status, answer.body))
    if code == EXIT_OK and command.render is not None:
        try:
            command.render([a.body for a in answers], args, console)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # a controller answer without a required field: say so, never a traceback
            print(f"{PROG}: unexpected answer from the controller: {exc!r}", file=err)
            return EXIT_API
    return _exit_code(answers, g.warn_as_error) if code == EXIT_OK else code


def _exit_code(answers: list[Reply], warn_as_error: bool) -> int:
    bad = {"ERROR", "WARNING"} if warn_as_error else {"ERROR"}
    for answer in answers:
        if answer.status >= 400:
            return EXIT_API
        if replies.is_rc_list(answer.body) and any(
            replies.severity(int(e.get("ret_code", 0))) in bad for e in answer.body
        ):
            return EXIT_API
    return EXIT_OK
