"""Public entry point for DRBD resource files: render, parse, parse a tree, validate.

The work is split into small modules (lexer, option rules, parser, tree walker,
validator, renderer); this module is the stable import point other code uses.
"""

from __future__ import annotations

from drbdeck.backend.resfile_parse import parse, parse_file
from drbdeck.backend.resfile_render import as_seen_by, is_diskless, render
from drbdeck.backend.resfile_tree import parse_tree
from drbdeck.backend.resfile_types import EXIT_CONFIG, DrbdConf, ResFileError
from drbdeck.backend.resfile_validate import validate

__all__ = [
    "EXIT_CONFIG",
    "DrbdConf",
    "ResFileError",
    "as_seen_by",
    "is_diskless",
    "parse",
    "parse_file",
    "parse_tree",
    "render",
    "validate",
]
