"""Reading a whole configuration tree: ``/etc/drbd.conf`` and everything it includes.

File access is injected (``read_text``/``glob``) so the same code reads the real disk in
tests and the emulator's in-memory file system.
"""

from __future__ import annotations

import glob as _glob
import posixpath
from collections.abc import Callable

from drbdeck.backend.resfile_parse import parse_file
from drbdeck.backend.resfile_types import DrbdConf, ResFileError

MAX_INCLUDE_DEPTH = 16


def _has_magic(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def parse_tree(
    root_path: str,
    read_text: Callable[[str], str],
    glob: Callable[[str], list[str]] = _glob.glob,
) -> DrbdConf:
    """Parse ``root_path`` and follow ``include "glob";`` directives, as drbdadm does.

    Relative patterns resolve against the including file's directory; glob matches are read
    in sorted order; a glob without matches is ignored, a missing literal include is an error
    (``Failed to open include file``). A missing root gives exit code 20 like drbdadm.
    """
    conf = DrbdConf()
    try:
        text = read_text(root_path)
    except OSError as e:
        raise ResFileError(f"Can not open '{root_path}'.\n.", exit_code=20) from e
    _walk(root_path, text, read_text, glob, conf, 0)
    return conf


def _walk(
    path: str,
    text: str,
    read_text: Callable[[str], str],
    glob: Callable[[str], list[str]],
    conf: DrbdConf,
    depth: int,
) -> None:
    conf.files.append(path)
    parsed = parse_file(text, path)
    conf.global_opts.update(parsed.global_opts)
    for section, opts in parsed.common.items():
        conf.common.setdefault(section, {}).update(opts)
    lines = dict(parsed.includes)
    for kind, item in parsed.order:
        if kind == "resource":
            conf.resources.append(item)  # type: ignore[arg-type]
            continue
        pattern = str(item)
        line = lines.get(pattern, 0)
        if depth >= MAX_INCLUDE_DEPTH:
            raise ResFileError(f"{path}:{line}: includes nested too deeply (include loop?)")
        full = pattern if posixpath.isabs(pattern) else posixpath.join(
            posixpath.dirname(path), pattern)
        matches = sorted(glob(full)) if _has_magic(full) else [full]
        for m in matches:
            try:
                sub = read_text(m)
            except OSError as e:
                raise ResFileError(f"{path}:{line}: Failed to open include file '{m}'.") from e
            _walk(m, sub, read_text, glob, conf, depth + 1)
