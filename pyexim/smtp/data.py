"""Message data framing: DATA's dot-stuffing and end of data, BDAT's counted chunks, and the
line ends Exim stores (Exim: receive.c ``read_message_data_smtp``, ``read_message_bdat_smtp``,
and Debian's 4.96 fix for CVE-2023-51766, "SMTP smuggling").

What Exim 4.96 (Debian 4.96-15+deb12u4 and later, the reference) does, measured with
the oracle, and what this file copies:

* **Line mode.** The first LF of the message decides. If a CR comes before it, the
  message is in CRLF mode; if not, in LF-only mode (a client that ends lines with bare
  LF). Until that first LF only the very start of the data counts as a line start.
* **Line starts.** In CRLF mode a line starts only after CR LF; a bare LF is data (Exim
  stores it as a space in the body, and as LF + space in a header, so it never ends a
  line). In LF-only mode a line also starts after a bare LF. A bare CR never starts a
  line.
* **End of data** is a line start, ``.``, then CR LF -- or, in LF-only mode (or at the
  very start of the data), ``.`` LF. So in CRLF mode ``\\n.\\n``, ``\\n.\\r\\n``,
  ``\\r\\n.\\n``, ``\\r.\\r``, ``\\r\\n.\\r`` ... are all message data and can never end
  a message and start a smuggled one.
* **Dot-stuffing.** A ``.`` at a line start is removed, whatever follows it.
* **BDAT** chunks are taken by count: no dot handling, nothing in them ends the
  message but the LAST chunk's octet count.

The events carry the data dot-unstuffed with every CR and LF as received, plus the
line mode; ``spool_body`` turns a body into the LF-only text Exim writes to the -D file.
"""

from __future__ import annotations

_LF = 10
_CR = 13
_DOT = 46


class DotDecoder:
    """Incremental decoder of one DATA section: dot-unstuffing and end-of-data detection.

    Feed it what is buffered; it says how much it consumed, what message data that
    was, and whether the terminating line was reached. Up to two octets after a
    line-start dot may be left unconsumed until the next octets decide what they are.
    """

    __slots__ = ("_line_start", "_mode_known", "_prev_cr", "ended", "lf_only", "wire_size")

    def __init__(self) -> None:
        self.lf_only = False        # the message's line mode, once _mode_known
        self._mode_known = False
        self._line_start = True     # the next octet starts a line
        self._prev_cr = False       # the last octet consumed was CR
        self.ended = False
        self.wire_size = 0          # octets consumed, terminator included

    def decode(self, data: bytes) -> tuple[bytes, int]:
        """Decode from the start of *data*: (message data, octets consumed).

        After the terminating line ``ended`` is True and nothing beyond it is consumed.
        """
        out: list[bytes] = []
        i, n = 0, len(data)
        while i < n:
            if self._line_start:
                if data[i] == _DOT:
                    if i + 1 >= n:
                        break
                    after = data[i + 1]
                    if after == _CR:
                        if i + 2 >= n:
                            break
                        if data[i + 2] == _LF:
                            self.ended = True
                            i += 3
                            break
                    elif after == _LF and (self.lf_only or not self._mode_known):
                        self.ended = True
                        i += 2
                        break
                    i += 1           # a stuffed dot: drop it, the rest is data
                    self._prev_cr = False
                self._line_start = False
                if i >= n:
                    break
            nl = data.find(b"\n", i)
            if nl < 0:
                out.append(data[i:])
                self._prev_cr = data[n - 1] == _CR
                i = n
                break
            cr_before = data[nl - 1] == _CR if nl > i else self._prev_cr
            if not self._mode_known:
                self._mode_known = True
                self.lf_only = not cr_before
            self._line_start = cr_before or self.lf_only
            self._prev_cr = False
            out.append(data[i:nl + 1])
            i = nl + 1
        self.wire_size += i
        return b"".join(out), i


class ChunkModeTracker:
    """The line mode of a BDAT message, decided by its first LF across chunks."""

    __slots__ = ("_known", "_prev_cr", "lf_only")

    def __init__(self) -> None:
        self.lf_only = False
        self._known = False
        self._prev_cr = False

    def feed(self, data: bytes) -> None:
        """Note a piece of message data (in order)."""
        if self._known or not data:
            return
        nl = data.find(b"\n")
        if nl < 0:
            self._prev_cr = data[-1] == _CR
            return
        cr_before = data[nl - 1] == _CR if nl > 0 else self._prev_cr
        self._known = True
        self.lf_only = not cr_before


def spool_body(body: bytes, *, lf_only: bool, bdat: bool = False) -> bytes:
    """A message body (after the header section) as Exim stores it in the -D file.

    *body* is message data as the events deliver it (dot-unstuffed, CR and LF as
    received). CR LF becomes LF and a bare CR becomes LF. A bare LF stays LF in
    LF-only mode and in BDAT data, and becomes a space in a DATA body in CRLF mode
    (Debian's smuggling fix). BDAT data that does not end in a line end gets one, as
    Exim adds it. Headers follow other rules (a bare CR or, in CRLF mode, a bare LF
    there becomes LF + space, continuing the header) and are pyexim.message's job.
    """
    if lf_only or bdat:
        text = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if bdat and text and not text.endswith(b"\n"):
            text += b"\n"
        return text
    pieces = body.split(b"\r\n")
    return b"\n".join(p.replace(b"\n", b" ").replace(b"\r", b"\n") for p in pieces)


def dot_stuff(data: bytes, *, at_line_start: bool = True) -> bytes:
    """*data* with a dot doubled at every line start (after LF), for sending with DATA.

    *data* must already have CRLF line ends (see ``pyexim.smtp.client``, which keeps
    the state across chunk boundaries).
    """
    stuffed = data.replace(b"\n.", b"\n..")
    if at_line_start and stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed
