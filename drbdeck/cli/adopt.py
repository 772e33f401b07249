"""``drbdeck adopt NODE… RSC`` / ``drbdeck adopt --all NODE``: bring hand-made DRBD
resources under management without a disconnect.

The controller does the work (it holds the SSH links): this client asks it for the plan
(a dry run), shows it, asks before acting (``--yes`` skips the question, ``--dry-run``
stops after showing it), then sends the real request. A refusal prints the reason and
what to do instead. Exit codes as the LINSTOR CLI: 0 ok, 2 usage, 10 refused/failed,
20 no controller.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from typing import Any, TextIO

from drbdeck.cli.linstor.request import Request
from drbdeck.cli.linstor.transport import ConnectionFailed, controller_urls, send

EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_CONN = 0, 2, 10, 20
PATH = "/v1/drbdeck/adopt"


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(message)


def _parser() -> _Parser:
    p = _Parser(prog="drbdeck adopt", usage="drbdeck adopt [options] NODE... RSC | --all NODE",
                description="Adopt hand-made DRBD resources: "
                "'drbdeck adopt NODE... RSC' or 'drbdeck adopt --all NODE'.")
    p.add_argument("words", nargs="*", metavar="NODE... RSC")
    p.add_argument("--all", metavar="NODE", help="every unmanaged resource running on NODE")
    p.add_argument("--dry-run", action="store_true", help="only show the plan")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask before acting")
    p.add_argument("--force", action="store_true",
                   help="adopt even when not connected / not UpToDate everywhere")
    p.add_argument("--allow-larger", action="store_true",
                   help="accept LVs larger than needed (sets AllowLargerVolumeSize)")
    p.add_argument("--controllers", help="host[:port][,...] (LS_CONTROLLERS is appended)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (300)")
    return p


def _wrap(text: str, indent: str) -> str:
    """Long reasons wrapped for an 80-column terminal (continuation lines indented)."""
    return textwrap.fill(text, width=79, initial_indent=indent,
                         subsequent_indent=indent + "  ", break_on_hyphens=False,
                         break_long_words=False)


def _show(results: list[dict[str, Any]], out: TextIO, err: TextIO) -> bool:
    """Print every result; True when all went through."""
    ok = True
    for r in results:
        for line in r.get("plan") or []:
            print(line, file=out)
        for line in r.get("done") or []:
            print(f"  done: {line}", file=out)
        ref = r.get("refusal")
        if ref:
            ok = False
            print(_wrap(f"REFUSED {r['resource']}: {ref['reason']}", ""), file=err)
            print(_wrap(f"Instead: {ref['instead']}", "  "), file=err)
        if r.get("error"):
            ok = False
            undone = "everything was undone" if r.get("rolled_back") else \
                "NOT everything could be undone"
            print(_wrap(f"FAILED {r['resource']}: {r['error']} ({undone})", ""), file=err)
    return ok


def main(argv: list[str], config: Any = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: TextIO | None = None,
         environ: dict[str, str] | None = None,
         confirm: Callable[[str], bool] | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        a = _parser().parse_args(argv)
        if a.all is not None and a.words:
            raise _Usage("--all NODE takes no other node or resource names")
        if a.all is None and len(a.words) < 2:
            raise _Usage("give the nodes and the resource: drbdeck adopt NODE... RSC "
                         "(or --all NODE)")
        if a.timeout <= 0:
            raise _Usage(f"--timeout: must be > 0, got {a.timeout}")
        urls = controller_urls(a.controllers or getattr(config, "controllers", None),
                               env.get("LS_CONTROLLERS"))
    except _Usage as exc:
        print(f"drbdeck adopt: {exc}", file=err)
        return EXIT_USAGE
    except ConnectionFailed as exc:
        print(f"drbdeck adopt: {exc}", file=err)
        return EXIT_CONN
    body: dict[str, Any] = {"force": a.force, "allow_larger": a.allow_larger}
    if a.all is not None:
        body["all"] = a.all
    else:
        body["nodes"], body["resource"] = a.words[:-1], a.words[-1]

    def call(dry: bool) -> list[dict[str, Any]] | int:
        try:
            reply = send(urls, Request("POST", PATH, {**body, "dry_run": dry}), a.timeout)
        except ConnectionFailed as exc:
            print(f"drbdeck adopt: {exc}", file=err)
            return EXIT_CONN
        data = reply.body
        if reply.status != 200 or not isinstance(data, dict):
            msg = data[0].get("message") if isinstance(data, list) and data and \
                isinstance(data[0], dict) else data
            print(f"drbdeck adopt: the controller answered {reply.status}: {msg}", file=err)
            return EXIT_API
        return list(data.get("results") or [])

    plan = call(True)
    if isinstance(plan, int):
        return plan
    if not plan:
        print("Nothing to adopt.", file=out)
        return EXIT_OK
    if not _show(plan, out, err):
        return EXIT_API
    if a.dry_run:
        return EXIT_OK
    if not a.yes:
        ask = confirm or (lambda q: _ask(q, stdin or sys.stdin, out))
        if not ask("Adopt now? [y/N] "):
            print("Nothing was changed.", file=out)
            return EXIT_OK
    done = call(False)
    if isinstance(done, int):
        return done
    return EXIT_OK if _show([{**r, "plan": []} for r in done], out, err) else EXIT_API


def _ask(question: str, stdin: TextIO, out: TextIO) -> bool:
    print(question, end="", file=out, flush=True)
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


__all__ = ["main"]
