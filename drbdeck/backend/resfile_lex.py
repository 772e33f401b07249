"""Tokenizer for the drbd.conf language.

drbd.conf is a small brace language: words, double-quoted strings, ``{``, ``}``, ``;`` and
``#`` comments. Tokens carry their line number so every error can point at ``file:line``
the way drbdadm does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drbdeck.backend.resfile_types import ResFileError

PUNCT = "{};"


@dataclass(slots=True)
class Token:
    """One token. ``quoted`` distinguishes ``"on"`` (a string) from the keyword ``on``."""

    text: str
    line: int
    quoted: bool = False

    def is_punct(self, ch: str) -> bool:
        return not self.quoted and self.text == ch

    @property
    def tk(self) -> str:
        """drbdadm's ``(TK n)`` suffix: the char code for punctuation, 281 for words."""
        if not self.quoted and len(self.text) == 1 and self.text in PUNCT:
            return f" (TK {ord(self.text)})"
        return " (TK 281)"


EOF_TOKEN_TEXT = "<EOF>"


_TOKEN_RE = re.compile(
    r'(?P<comment>#.*)|(?P<punct>[{};])|(?P<str>"(?:[^"\\]|\\.)*")|(?P<open>")'
    r'|(?P<word>[^\s{};"#]+)'
)
_ESC_RE = re.compile(r"\\(.)")


def tokenize(text: str, path: str) -> list[Token]:
    """Split ``text`` into tokens; raises ResFileError on an unterminated string.

    Scanned line by line with one compiled regex (``finditer`` skips whitespace by
    itself): configuration trees with thousands of resources are parsed on every
    emulated ``drbdadm`` call, so this must be fast. Strings cannot span lines.
    """
    out: list[Token] = []
    append = out.append
    for line, ltext in enumerate(text.split("\n"), 1):
        if '"' not in ltext and "#" not in ltext:
            for m in _TOKEN_RE.finditer(ltext):
                append(Token(m.group(), line))
            continue
        for m in _TOKEN_RE.finditer(ltext):
            kind = m.lastgroup
            if kind == "comment":
                break
            if kind == "str":
                raw = m.group()[1:-1]
                unq = _ESC_RE.sub(r"\1", raw) if "\\" in raw else raw
                append(Token(unq, line, quoted=True))
            elif kind == "open":
                raise ResFileError(
                    f"{path}:{line}: Parse error: unterminated string (missing '\"')"
                )
            else:
                append(Token(m.group(), line))
    return out
