"""Where a session's log lines go (Exim: log.c ``log_write``).

A real session appends to the main, reject and panic logs through pyexim.log's
LogWriter. Under ``-bh`` (Exim's log_testing_mode) nothing is written to the files:
each line is shown on standard error as ``LOG: `` followed by the line without its
timestamp (Exim drops the first 20 characters of the framed line, so a pid or
millisecond part stays), and not at all when debug output is on.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from pyexim.expand import from_engine
from pyexim.log.paths import frame
from pyexim.log.selector import LogSelector
from pyexim.log.text import log_timestamp
from pyexim.log.writer import LogWriter


class SessionLog:
    """Writes the session's log lines; texts are engine text (one character per byte)."""

    def __init__(self, selector: LogSelector, *, writer: LogWriter | None = None,
                 testing: bool = False, debug: bool = False,
                 stderr: Callable[[str], object] | None = None,
                 clock: Callable[[], float] = time.time, pid: int = 0,
                 log_timezone: bool = False, utc: bool = False):
        self.selector = selector
        self.writer = writer
        self.testing = testing
        self.debug = debug
        self.stderr = stderr or sys.stderr.write
        self.clock = clock
        self.pid = pid
        self.log_timezone = log_timezone
        self.utc = utc
        #: the message id log lines carry (Exim's message_id while it is set)
        self.message_id: str | None = None

    def write(self, text: str, *, main: bool = True, reject: bool = False,
              panic: bool = False, selector: str | None = None,
              reject_details: str = "") -> None:
        """Log *text* to the chosen logs unless *selector* names an item that is off."""
        if selector is not None and selector not in self.selector:
            return
        if not (main or reject or panic):
            return
        line_text = from_engine(text)
        if self.testing or self.writer is None:
            if self.debug:
                return
            stamp = log_timestamp(self.clock(), millisec="millisec" in self.selector,
                                  with_zone=self.log_timezone, utc=self.utc)
            pid = self.pid if "pid" in self.selector else None
            line = frame(line_text, timestamp=stamp, pid=pid, message_id=self.message_id)
            self.stderr("LOG: " + line[20:])
            return
        self.writer.write(line_text, main=main, reject=reject, panic=panic,
                          message_id=self.message_id, reject_details=reject_details)


__all__ = ["SessionLog"]
