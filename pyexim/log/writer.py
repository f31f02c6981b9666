"""The thin part that opens, reopens and appends to the log files and to syslog (Exim: log.c log_write, open_log)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from pyexim.log.paths import LogPaths, frame, log_file_name
from pyexim.log.selector import LogSelector
from pyexim.log.text import log_timestamp
from pyexim.message import encode

LOG_MODE = 0o640
_SYSLOG_MAX = 870


class LogWriter:
    """Appends framed lines to the main, reject and panic logs, and/or syslog.

    One ``os.write`` per line (several processes append to the same files). The main
    and reject logs are kept open and reopened when renamed by a cycling script or when
    a ``%D``/``%M`` datestamp changes; the panic log is opened for each line.
    *clock*, *pid* and *syslog_send* are injectable for tests.
    """

    def __init__(self, paths: LogPaths, selector: LogSelector, *, log_timezone: bool = False,
                 utc: bool = False, write_rejectlog: bool = True,
                 syslog_timestamp: bool = True, syslog_pid: bool = True,
                 syslog_duplication: bool = True, clock: Callable[[], float] = time.time,
                 pid: int | None = None,
                 syslog_send: Callable[[str, str], None] | None = None,
                 stderr: Callable[[str], None] | None = None):
        self.paths = paths
        self.selector = selector
        self.log_timezone = log_timezone
        self.utc = utc
        self.write_rejectlog = write_rejectlog
        self.syslog_timestamp = syslog_timestamp
        self.syslog_pid = syslog_pid
        self.syslog_duplication = syslog_duplication
        self.clock = clock
        self.pid = os.getpid() if pid is None else pid
        self.syslog_send = syslog_send or _system_syslog
        self.stderr = stderr
        self._open: dict[str, tuple[int, str, int]] = {}     # kind -> (fd, name, inode)

    def close(self) -> None:
        for fd, _, _ in self._open.values():
            os.close(fd)
        self._open.clear()

    def line(self, text: str, message_id: str | None = None) -> tuple[str, str]:
        """Frame *text*; returns (line, its timestamp)."""
        now = self.clock()
        stamp = log_timestamp(now, millisec="millisec" in self.selector,
                              with_zone=self.log_timezone, utc=self.utc)
        pid = self.pid if "pid" in self.selector else None
        return frame(text, timestamp=stamp, pid=pid, message_id=message_id), stamp

    def write(self, text: str, *, main: bool = True, reject: bool = False,
              panic: bool = False, message_id: str | None = None, selector: str | None = None,
              reject_details: str = "") -> str:
        """Write one event to the chosen logs; returns the framed line.

        *selector* names the log_selector bit that must be on for the main log
        (e.g. "retry_defer"); *reject_details* is appended in the reject log only.
        """
        line, _ = self.line(text, message_id)
        now = self.clock()
        if main and (selector is None or selector in self.selector):
            if self.paths.syslog and (self.syslog_duplication or not (reject or panic)):
                self._syslog("info", line)
            if self.paths.pattern:
                self._append("main", line, now)
        if reject and self.write_rejectlog:
            full = line + reject_details
            if self.paths.syslog and (self.syslog_duplication or not panic):
                self._syslog("notice", full)
            if self.paths.pattern:
                self._append("reject", full, now)
        if panic:
            if self.stderr is not None:
                self.stderr(line)
            if self.paths.syslog:
                self._syslog("alert", line)
            if self.paths.pattern:
                name = log_file_name(self.paths.pattern, "panic", now, utc=self.utc)
                fd = _open_log(name)
                try:
                    _write_all(fd, encode(line))
                finally:
                    os.close(fd)
        return line

    def _append(self, kind: str, line: str, now: float) -> None:
        assert self.paths.pattern is not None
        name = log_file_name(self.paths.pattern, kind, now, utc=self.utc)
        current = self._open.get(kind)
        if current is not None:
            fd, open_name, inode = current
            try:
                moved = open_name != name or os.stat(open_name).st_ino != inode
            except FileNotFoundError:
                moved = True
            if moved:
                os.close(fd)
                current = None
        if current is None:
            fd = _open_log(name)
            current = (fd, name, os.fstat(fd).st_ino)
            self._open[kind] = current
        _write_all(current[0], encode(line))

    def _syslog(self, priority: str, line: str) -> None:
        """write_syslog(): drop the timestamp/pid as configured, split long or multi-line text."""
        text = line.rstrip("\n")
        if "pid" in self.selector and not self.syslog_pid:
            text = text.replace(f"[{self.pid}] ", "", 1)
        if not self.syslog_timestamp:
            skip = 26 if self.log_timezone else 20
            if "millisec" in self.selector:
                skip += 4
            text = text[skip:]
        pieces: list[tuple[str, bool]] = []
        for part in text.split("\n"):
            while len(part) > _SYSLOG_MAX:
                pieces.append((part[:_SYSLOG_MAX], False))
                part = part[_SYSLOG_MAX:]
            pieces.append((part, True))
        if len(pieces) == 1:
            self.syslog_send(priority, pieces[0][0])
            return
        for index, (piece, ended_by_newline) in enumerate(pieces, 1):
            more = ended_by_newline and index != len(pieces)
            mark = "\\" if more else "/"
            self.syslog_send(priority, f"[{index}{mark}{len(pieces)}] {piece}")


def _open_log(name: str) -> int:
    """Open a log for appending, creating it (and its directory) as log.c does."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
    try:
        return os.open(name, flags, LOG_MODE)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(name) or ".", 0o750, exist_ok=True)
        return os.open(name, flags, LOG_MODE)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _system_syslog(priority: str, text: str) -> None:
    import syslog
    level = {"info": syslog.LOG_INFO, "notice": syslog.LOG_NOTICE,
             "alert": syslog.LOG_ALERT}[priority]
    syslog.syslog(syslog.LOG_MAIL | level, text)
