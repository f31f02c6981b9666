"""The receive buffer: bytes from the peer, taken as lines or counted octets.

Exim reads SMTP commands into a 16384-octet buffer (``SMTP_CMD_BUFFER_SIZE``), far
above RFC 5321's 512-octet minimum, because AUTH initial responses can be long. A line
that does not fit is not an error in itself: Exim stops at the limit, consumes one
more octet, and treats what it has as an unrecognized command; the rest of the line is
then read as the next command (smtp_in.c ``smtp_read_command``). ``take_line`` copies
that, so the caller decides what an overflow means.

Searching for LF resumes where the last search stopped, so a long line fed one byte
at a time costs linear time, not quadratic.
"""

from __future__ import annotations

from pyexim.record import record


@record(frozen=True, slots=True)
class Overflow:
    """A line longer than the limit: the first *limit* octets, which were consumed
    together with one more octet."""

    head: bytes


class ReceiveBuffer:
    """Bytes received and not yet consumed."""

    __slots__ = ("_data", "_scanned", "_start")

    def __init__(self) -> None:
        self._data = bytearray()
        self._start = 0      # first unconsumed octet
        self._scanned = 0    # octets after _start already known to hold no LF

    def __len__(self) -> int:
        return len(self._data) - self._start

    def __bool__(self) -> bool:
        return len(self._data) > self._start

    def feed(self, data: bytes) -> None:
        """Append bytes received from the peer."""
        if self._start and self._start == len(self._data):
            self._data.clear()
            self._start = 0
        self._data += data

    def _consume(self, count: int) -> None:
        self._start += count
        self._scanned = 0
        if self._start > 65536 and self._start * 2 > len(self._data):
            del self._data[:self._start]
            self._start = 0

    def take_line(self, limit: int) -> bytes | Overflow | None:
        """The next line without its LF, an ``Overflow``, or None when no line is complete.

        A line is complete at LF; one of more than *limit* octets before its LF gives
        an ``Overflow`` as soon as *limit* + 1 octets are buffered.
        """
        start = self._start
        nl = self._data.find(b"\n", start + self._scanned, start + limit + 1)
        if nl >= 0:
            line = bytes(self._data[start:nl])
            self._consume(nl + 1 - start)
            return line
        available = len(self._data) - start
        if available > limit:
            head = bytes(self._data[start:start + limit])
            self._consume(limit + 1)
            return Overflow(head)
        self._scanned = available
        return None

    def take(self, count: int) -> bytes:
        """Up to *count* octets (fewer when fewer are buffered)."""
        start = self._start
        chunk = bytes(self._data[start:start + count])
        self._consume(len(chunk))
        return chunk

    def peek(self, count: int | None = None) -> bytes:
        """Up to *count* buffered octets (all when None), not consumed."""
        end = len(self._data) if count is None else self._start + count
        return bytes(self._data[self._start:end])

    def advance(self, count: int) -> None:
        """Consume *count* octets already looked at through ``peek``."""
        self._consume(count)

    def clear(self) -> int:
        """Discard everything buffered; returns how many octets were dropped."""
        dropped = len(self)
        self._data.clear()
        self._start = self._scanned = 0
        return dropped
