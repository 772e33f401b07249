"""``drbdeck demo``: the four-node demo cluster (alpha, bravo, charlie, delta).

At this stage the demo is the emulator with the demo's node set and pools: every node
has a thick VG ``vg0`` and a thin pool ``vg0/thin0``, behind its own SSH server on
127.0.0.1. The console (a later stage) sits on top of the same cluster. Options
the emulator takes (``--port-base``, ``--state-dir``, ``--sync-rate``…) pass through.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from drbdeck.config import Config
from drbdeck.emulator import cli as emulator_cli

DEMO_NODES = ("alpha", "bravo", "charlie", "delta")


def demo_argv(argv: Sequence[str], config: Config) -> list[str]:
    """The emulator command line the demo runs: its nodes, and a state dir of its own."""
    args = list(argv)
    if any(a == "--nodes" or a.startswith("--nodes=") for a in args):
        raise emulator_cli.UsageError("--nodes: the demo always runs " + ",".join(DEMO_NODES))
    if not any(a == "--state-dir" or a.startswith("--state-dir=") for a in args):
        args += ["--state-dir", str(config.data_dir / "demo")]
    return ["--nodes", ",".join(DEMO_NODES), *args]


def main(argv: Sequence[str], config: Config) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print("usage: drbdeck demo [emulator options]\n\n" + (__doc__ or "").strip())
        return emulator_cli.EXIT_OK
    try:
        args = demo_argv(argv, config)
    except emulator_cli.UsageError as exc:
        print(f"drbdeck demo: {exc}", file=sys.stderr)
        return emulator_cli.EXIT_USAGE
    state_dir = args[args.index("--state-dir") + 1] if "--state-dir" in args else "(given)"
    print(
        "drbdeck demo: four emulated DRBD 9 + LVM nodes, each behind its own SSH server.\n"
        f"  reach a node:  ssh -i {state_dir}/id_ed25519 "
        f"-o UserKnownHostsFile={state_dir}/known_hosts -p PORT root@127.0.0.1 vgs\n"
        f"  inject faults: drbdeck emulator ctl --state-dir {state_dir} stop-node bravo\n"
        "  stop:          Ctrl-C",
        flush=True,
    )
    return emulator_cli.main(args, config)
