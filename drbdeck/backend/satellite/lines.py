"""Split a byte stream into complete lines, whatever the read boundaries were.

SSH delivers data in arbitrary chunks; a line can arrive in pieces and several lines in
one chunk. Consumers such as the events2 parser must only ever see whole lines.
"""

from __future__ import annotations

MAX_LINE_BYTES = 1 << 20  # a runaway line is cut here rather than growing memory forever


class LineSplitter:
    """Accumulates bytes and hands out decoded lines without their line ending."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line

    def feed(self, data: bytes) -> list[str]:
        self._buf += data
        lines: list[str] = []
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                break
            lines.append(_decode(self._buf[:nl]))
            del self._buf[: nl + 1]
        if len(self._buf) > self._max:
            lines.append(_decode(self._buf))
            self._buf.clear()
        return lines

    def flush(self) -> str | None:
        """The final unterminated line at a clean end of stream, if any."""
        if not self._buf:
            return None
        line = _decode(self._buf)
        self._buf.clear()
        return line

    def discard(self) -> None:
        """Forget a partial line (the stream broke; the rest of it will never come)."""
        self._buf.clear()


def _decode(raw: bytes | bytearray) -> str:
    text = bytes(raw).decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text
