"""Tokenizer for the drbd.conf language.

drbd.conf is a small brace language: words, double-quoted strings, ``{``, ``}``, ``;`` and
``#`` comments. Tokens carry their line number so every error can point at ``file:line``
the way drbdadm does.
"""

from __future__ import annotations

from dataclasses import dataclass

from drbdeck.backend.resfile_types import ResFileError

PUNCT = "{};"


@dataclass(frozen=True)
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


def tokenize(text: str, path: str) -> list[Token]:
    """Split ``text`` into tokens; raises ResFileError on an unterminated string."""
    out: list[Token] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in PUNCT:
            out.append(Token(c, line))
            i += 1
        elif c == '"':
            start_line = line
            i += 1
            buf: list[str] = []
            while True:
                if i >= n or text[i] == "\n":
                    raise ResFileError(
                        f"{path}:{start_line}: Parse error: unterminated string (missing '\"')"
                    )
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                if ch == '"':
                    i += 1
                    break
                buf.append(ch)
                i += 1
            out.append(Token("".join(buf), start_line, quoted=True))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in PUNCT and text[i] not in '"#':
                i += 1
            out.append(Token(text[start:i], line))
    return out
