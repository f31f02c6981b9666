"""Listing the queue: ``-bp``, ``-bpu``, ``-bpa``, ``-bpr``, ``-bpc`` (spec: "Listing the
queue"; Exim: queue.c queue_list, queue_get_spool_list, queue_count).

Two halves: :func:`scan_queue` reads the spool (the messages in Exim's order, each
with what its -H, -D and -J files say), and :func:`format_entry` turns one scanned
message into the exact text Exim prints, given the time of the listing.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Iterator

from pyexim.record import record
from pyexim.spool.header_file import SpoolFormatError, SpoolHeader
from pyexim.spool.store import MessageNotFound, Spool
from pyexim.spool.tree import ExactTree

__all__ = [
    "LIST_ALL",
    "LIST_UNDELIVERED",
    "LIST_WITH_GENERATED",
    "QueueEntry",
    "QueueSelection",
    "count_queue",
    "format_entry",
    "format_size",
    "list_queue",
    "queue_order",
    "scan_queue",
]

# queue_list()'s option values: -bp, -bpu, -bpa (-bpr adds randomised order).
LIST_ALL = 0
LIST_UNDELIVERED = 1
LIST_WITH_GENERATED = 2


@record
class QueueEntry:
    """One message as -bp sees it.

    ``header`` is the parsed -H file, or the envelope part of it when only the header
    section is broken (``error.in_headers``), or None when the envelope could not be
    read. ``size`` is Exim's listing size (headers, a notional blank line, body).
    ``journal`` holds addresses a crashed delivery recorded in the -J file.
    """

    message_id: str
    subdir: str
    header: SpoolHeader | None
    size: int = 0
    error: str | None = None               # the "*** ... ***" text, when reading failed
    journal: tuple[str, ...] = ()


def format_size(size: int) -> str:
    """string_format_size(): five columns, K and M with Exim's rounding."""
    if size == 0:
        return "     "
    if size < 1024:
        return f"{size:5d}"
    if size < 10 * 1024:
        return f"{size / 1024.0:4.1f}K"
    if size < 1024 * 1024:
        return f"{(size + 512) // 1024:4d}K"
    if size < 10 * 1024 * 1024:
        return f"{size / (1024.0 * 1024.0):4.1f}M"
    return f"{(size + 512 * 1024) // (1024 * 1024):4d}M"


def _c_div(a: int, b: int) -> int:
    """C integer division (truncates towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def format_age(now: int, received: int) -> str:
    """Time on the queue as -bp shows it: minutes up to 90, then hours up to 72, then days."""
    minutes = _c_div(now - received, 60)
    if minutes > 90:
        hours = _c_div(minutes + 30, 60)
        if hours > 72:
            return f"{_c_div(hours + 12, 24):2d}d "
        return f"{hours:2d}h "
    return f"{minutes:2d}m "


def format_entry(entry: QueueEntry, now: int, option: int = LIST_ALL) -> str:
    """The lines queue_list() prints for one message at time *now* (seconds)."""
    header = entry.header
    out: list[str] = []
    if header is not None:
        out.append(format_age(now, header.received_time))
    out.append(format_size(entry.size) + " ")
    out.append(entry.message_id)
    if header is not None:
        out.append(f" <{header.envelope.sender}>")
        if header.sender_set_untrusted:
            out.append(f" ({header.originator_login})")
    if entry.error is not None:
        out.append("\n    " + entry.error)
        if header is None:
            out.append("\n\n")
            return "".join(out)
    if header is not None and header.frozen:
        out.append(" *** frozen ***")
    out.append("\n")
    if header is None:
        return "".join(out)

    delivered = ExactTree()
    for node_name in header.nonrecipients.preorder():
        delivered.insert(node_name)
    for address in entry.journal:
        delivered.insert(address)
    primary: set[str] = set()
    for recipient in header.envelope.recipients:
        done = recipient.address in delivered
        if not done or option != LIST_UNDELIVERED:
            out.append(f"        {'D' if done else ' '} {recipient.address}\n")
        if done:
            primary.add(recipient.address)
    if option == LIST_WITH_GENERATED:
        for address in delivered:                       # in-order: sorted as bytes
            if address not in primary:
                out.append(f"       +D {address}\n")
    out.append("\n")
    return "".join(out)


def read_entry(spool: Spool, message_id: str, subdir: str | None) -> QueueEntry | None:
    """What queue_list() reads for one message; None when it vanished (whole-queue listings).

    *subdir* None means the id came from the command line: both places are searched,
    and a missing message is reported rather than skipped.
    """
    header: SpoolHeader | None
    try:
        found = spool.find_subdir(message_id) if subdir is None else subdir
        if found is None:
            raise MessageNotFound(message_id, "-H")
        header = spool.read_header(message_id, found)
        header_bytes = header.header_size
        error = None
    except MessageNotFound:
        if subdir is not None:
            return None
        return QueueEntry(message_id, "", None,
                          error=f"*** spool read error: {os.strerror(errno.ENOENT)} ***")
    except SpoolFormatError as problem:
        header = problem.partial if problem.in_headers else None
        header_bytes = problem.header_bytes
        try:
            size_text = f": size={os.stat(problem.file).st_size}"
        except OSError:
            size_text = ""
        error = f"*** spool format error{size_text} ***"
    except OSError as problem:
        if subdir is not None and problem.errno == errno.ENOENT:
            return None
        return QueueEntry(message_id, subdir or "", None,
                          error=f"*** spool read error: {os.strerror(problem.errno or 0)} ***")
    assert found is not None
    if header is None:
        return QueueEntry(message_id, found, None, error=error)
    size = 0
    try:
        data_size = os.stat(spool.path("input", found, message_id, "-D")).st_size
        size = header_bytes + data_size - spool.fmt.data_start_offset + 1
    except OSError:
        pass
    journal = tuple(spool.journal_read(message_id, found))
    return QueueEntry(message_id, found, header, size=size, error=error, journal=journal)


def queue_order(files: Iterable[tuple[str, str]], fmt_time_len: int = 6,
                fraction_offset: int = 14) -> list[tuple[str, str]]:
    """Sort (subdir, "ID-H") pairs as Exim's merge sort does: arrival second, then fraction.

    The pid is not part of the key; ties keep directory order (the sort is stable).
    """
    return sorted(files, key=lambda item: (item[1][:fmt_time_len].encode(),
                                           item[1][fraction_offset:].encode()))


def random_order(files: list[tuple[str, str]], now: int) -> list[tuple[str, str]]:
    """-bpr / queue_run_in_order false: Exim's cheap shuffle driven by bits of the time.

    Each file after the first goes to the front or the back of the list according to
    the next bit of ``now & 0xFFFF``, reused when the bits run out.
    """
    result: list[tuple[str, str]] = []
    flags = 0
    reset = now & 0xFFFF
    for item in files:
        if not result:
            result.append(item)
            continue
        if flags == 0:
            flags = reset
        if flags & 1 == 0:
            result.insert(0, item)
        else:
            result.append(item)
        flags >>= 1
    return result


def scan_queue(spool: Spool, *, now: int, randomize: bool = False) -> Iterator[QueueEntry]:
    """Every message in the spool, in Exim's listing order, as QueueEntry values."""
    files = list(spool.header_files())
    fraction_offset = spool.fmt.time_len + 1 + spool.fmt.pid_len + 1
    ordered = (random_order(files, now) if randomize
               else queue_order(files, spool.fmt.time_len, fraction_offset))
    for subdir, name in ordered:
        entry = read_entry(spool, name[:-2], subdir)
        if entry is not None:
            yield entry


def list_queue(spool: Spool, *, now: int, option: int = LIST_ALL, randomize: bool = False,
               message_ids: Iterable[str] = ()) -> Iterator[str]:
    """The text of ``-bp[r][u|a] [ids]``, one message at a time."""
    ids = list(message_ids)
    if ids:
        entries: Iterable[QueueEntry] = (
            entry for entry in (read_entry(spool, mid, None) for mid in ids) if entry)
    else:
        entries = scan_queue(spool, now=now, randomize=randomize)
    for entry in entries:
        yield format_entry(entry, now, option)


@record(frozen=True)
class QueueSelection:
    """Which messages a queue run takes (queue.c queue_run: -q ids, -qi, -R, -S).

    Substring selections are caseless (strstric); ``*_regex`` ones are regular
    expressions searched anywhere in the address (Python's re standing in for PCRE).
    """

    start_id: str | None = None
    stop_id: str | None = None
    first_delivery_only: bool = False      # -qi
    force_thaw: bool = False               # -qff
    sender: str | None = None              # -S
    sender_regex: bool = False
    recipient: str | None = None           # -R
    recipient_regex: bool = False

    def in_range(self, message_id: str) -> bool:
        """Inside the start/stop ids given after -q (compared as strings, as Exim does)."""
        if self.stop_id is not None and message_id > self.stop_id:
            return False
        return self.start_id is None or message_id >= self.start_id

    @property
    def reads_header(self) -> bool:
        """Whether the runner reads the -H file itself before starting a delivery."""
        return bool(self.sender or self.recipient or self.first_delivery_only)

    def wanted(self, header: SpoolHeader) -> tuple[bool, str | None]:
        """(deliver it?, main-log line to write) for a message whose header was read.

        Only meaningful when :attr:`reads_header`; otherwise every message in range is
        handed to a delivery process, which does its own frozen check.
        """
        if header.frozen and not self.force_thaw:
            return False, "Message is frozen"
        if self.first_delivery_only and not header.deliver_firsttime:
            return False, None
        if self.sender is not None and not _matches(header.envelope.sender, self.sender,
                                                    self.sender_regex):
            return False, None
        if self.recipient is not None:
            pending = (r.address for r in header.envelope.recipients
                       if r.address not in header.nonrecipients)
            if not any(_matches(a, self.recipient, self.recipient_regex) for a in pending):
                return False, None
        return True, None


def _matches(address: str, pattern: str, regex: bool) -> bool:
    if regex:
        return re.search(pattern, address) is not None
    return pattern.lower() in address.lower()


def count_queue(spool: Spool) -> int:
    """``-bpc``: the number of -H files, nothing read."""
    return sum(1 for _ in spool.header_files())
