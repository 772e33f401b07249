"""LINSTOR-compatible CLI (``drbdeck node list``, ``drbdeck r c …``) talking REST.

Entry point: :func:`main` ``(argv, config) -> int``; :data:`GROUP_WORDS` lists every
first word (group or alias) that belongs here, so ``drbdeck.cli.main`` can dispatch.
"""

from __future__ import annotations

from drbdeck.cli.linstor.app import main
from drbdeck.cli.linstor.grammar import GROUP_WORDS

#: global options accepted before the group (the flag ones take no value)
GLOBAL_OPTIONS_WITH_VALUE = ("--controllers", "-t", "--timeout")
GLOBAL_FLAGS = ("-m", "--machine-readable", "--no-color", "--no-utf8", "--curl", "--warn-as-error")

__all__ = ["GLOBAL_FLAGS", "GLOBAL_OPTIONS_WITH_VALUE", "GROUP_WORDS", "main"]
