"""Where the logs go: ``log_file_path`` with ``%s``, ``%D``, ``%M`` and ``syslog``, and a line's framing (Exim: log.c)."""

from __future__ import annotations

from pyexim.errors import ConfigError
from pyexim.log.text import datestamp
from pyexim.record import record

COMPILED_LOG_FILE_PATH = "/var/log/exim4/%slog"     # Debian's LOG_FILE_PATH


@record(frozen=True)
class LogPaths:
    """Where logs go: a file pattern (or None), and whether to syslog too."""

    pattern: str | None
    syslog: bool
    multiple: bool = False          # more than one path was given (Exim panics about it)


def log_paths(log_file_path: str, spool_directory: str,
              compiled: str = COMPILED_LOG_FILE_PATH) -> LogPaths:
    """Interpret ``log_file_path`` as log_write() does on its first call.

    An empty setting means the compiled-in path; an empty item in a list means the
    first non-empty, non-syslog item of the compiled-in path, else
    ``SPOOL/log/%slog``. ConfigError when neither files nor syslog remain.
    """
    setting = log_file_path if log_file_path else compiled
    pattern: str | None = None
    syslog = files = multiple = False
    for item in setting.split(":"):
        item = item.strip()
        if item == "syslog":
            syslog = True
        elif files:
            multiple = True
        else:
            files = True
            if item:
                pattern = item
            else:
                pattern = next((c.strip() for c in compiled.split(":")
                                if c.strip() and c.strip() != "syslog"), None)
    if not files and not syslog:
        raise ConfigError("Neither syslog nor file logging set in log_file_path")
    if files and not pattern:
        pattern = f"{spool_directory}/log/%slog"
    return LogPaths(pattern if files else None, syslog, multiple)


def log_file_name(pattern: str, kind: str, when: float, *, utc: bool = False) -> str:
    """The file for log *kind* ("main", "reject", "panic") at time *when*.

    ``%s`` is the kind, ``%D``/``%M`` a daily/monthly datestamp. The panic log never has
    a datestamp: it is removed with one adjacent non-alphanumeric character (the one
    after it when the stamp starts the name, else the one before), as log.c does.
    """
    out: list[str] = []
    stamp_at: int | None = None
    stamp_len = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern):
            code = pattern[i + 1]
            i += 2
            if code == "s":
                out.append(kind)
            elif code in "DM":
                stamp = datestamp(when, code == "M", utc)
                stamp_at, stamp_len = len("".join(out)), len(stamp)
                out.append(stamp)
            elif code == "%":
                out.append("%")
            else:
                out.append("%" + code)
            continue
        out.append(char)
        i += 1
    name = "".join(out)
    if kind == "panic" and stamp_at is not None:
        start, end = stamp_at, stamp_at + stamp_len
        if start == 0 or name[start - 1] == "/":
            if end < len(name) and not name[end].isalnum():
                end += 1
        elif not name[start - 1].isalnum():
            start -= 1
        name = name[:start] + name[end:]
    return name


def frame(text: str, *, timestamp: str, pid: int | None = None,
          message_id: str | None = None) -> str:
    """A complete log line: ``timestamp [pid] id text`` and a newline."""
    parts = [timestamp, " "]
    if pid is not None:
        parts.append(f"[{pid}] ")
    if message_id:
        parts.append(message_id + " ")
    parts.append(text)
    parts.append("\n")
    return "".join(parts)
