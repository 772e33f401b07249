"""``drbdeck`` entry point: global options, then one sub-program per first word.

Sub-programs live in their own modules and are imported only when chosen, so
``drbdeck emulator`` does not pay for Textual and the CLI does not pay for the emulator.
Exit codes follow LINSTOR's client: 0 ok, 2 usage, 10 API error, 20 connection error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from drbdeck import __version__
from drbdeck.config import ConfigError, load

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_API = 10
EXIT_CONNECTION = 20

#: first word → (module with ``main(argv, config) -> int``, one-line help)
PROGRAMS: dict[str, tuple[str, str]] = {
    "emulator": ("drbdeck.emulator.cli", "run emulated DRBD nodes behind SSH servers"),
    "demo": ("drbdeck.cli.demo", "start a demo cluster of emulated nodes"),
    "controller": ("drbdeck.cli.controller", "run the controller daemon (REST on 127.0.0.1:3370)"),
    "tui": ("drbdeck.tui.cli", "open the console (the default when no program is given)"),
    "mon": ("drbdeck.tui.mon", "drbdmon-style view of this host's DRBD resources"),
    "adopt": ("drbdeck.cli.adopt", "bring hand-made DRBD resources under management"),
}
# Every LINSTOR command group (node/n, storage-pool/sp, resource-definition/rd, …) is
# handled by drbdeck.cli.linstor with LINSTOR's grammar; see `drbdeck node -h`.


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="drbdeck",
        description="Agentless storage management for DRBD 9 clusters.",
        epilog="programs:\n"
        + "\n".join(f"  {name:<10} {text}" for name, (_, text) in PROGRAMS.items())
        + "\n\nLINSTOR commands (talk to the controller's REST API):\n"
        "  node (n), storage-pool (sp), storage-pool-definition (spd),\n"
        "  resource-definition (rd), volume-definition (vd), resource (r), volume (v),\n"
        "  resource-group (rg), controller (c)   e.g. drbdeck rd c first",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE", help="config file (default: $DRBDECK_CONFIG)")
    p.add_argument("--version", action="version", version=f"drbdeck {__version__}")
    p.add_argument("program", nargs="?", help="what to run (see below)")
    p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p


def split_config(argv: list[str]) -> tuple[str | None, list[str]]:
    """Take drbdeck's own ``--config FILE`` out of the options before the first word.

    LINSTOR's grammar has global options of its own (``--controllers``, ``-m``…) that may
    stand before the group, so the split happens before any parser sees the line.
    """
    config: str | None = None
    rest: list[str] = []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--config" and i + 1 < len(words):
            config = words[i + 1]
            i += 2
            continue
        if word.startswith("--config="):
            config = word.split("=", 1)[1]
            i += 1
            continue
        if not word.startswith("-"):
            rest.extend(words[i:])
            break
        rest.append(word)
        i += 1
    return config, rest


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    config_path, rest = split_config(raw)
    from drbdeck.cli import linstor

    if linstor.claims(rest):
        try:
            config = load(config_path)
        except ConfigError as exc:
            print(f"drbdeck: config error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return linstor.main(rest, config)
    args = _parser().parse_args(raw)
    if args.program is None:  # `drbdeck` alone opens the console (`drbdeck -h`: help)
        args.program = "tui"
    if args.program not in PROGRAMS:
        print(
            f"drbdeck: unknown program {args.program!r} (known: {', '.join(PROGRAMS)}, "
            "or a LINSTOR command group such as node, storage-pool, resource-definition, "
            "volume-definition, resource)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"drbdeck: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(PROGRAMS[args.program][0])
    try:
        return int(module.main(list(args.args), config))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
