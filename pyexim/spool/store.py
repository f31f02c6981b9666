"""The spool on disk: paths, locking, durable writes, msglogs and journals (Exim: spool_out.c,
spool_in.c, receive.c, deliver.c; spec: "Format of spool files", "split_spool_directory").

Layout, as Exim's spool_fname() builds it: ``SPOOL/QUEUE/input/SUBDIR/ID-H`` (and -D,
-J), ``SPOOL/QUEUE/msglog/SUBDIR/ID``. QUEUE is empty for the default queue and
SUBDIR is the id's 6th character when ``split_spool_directory`` is set, else empty;
empty components leave doubled slashes in the path, exactly as in Exim's messages.

Durability follows Exim's order (DESIGN.md decision 3): the -D file is created with
O_EXCL, locked, written and fsynced; the -H file is written under a temporary name
(``hdr.ID``), fsynced, renamed into place, and the directory is fsynced. A message
exists for Exim once its -H file does. All calls here block: run them in a thread
pool from the reactor.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator

from pyexim.errors import PyEximError
from pyexim.record import record
from pyexim.spool.data_file import data_file_prefix, lock_length, parse_data_file
from pyexim.spool.header_file import SpoolHeader, format_header_file, parse_header_file
from pyexim.spool.msgid import DEFAULT_FORMAT, IdFormat, spool_subdirectory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "INPUT_DIRECTORY_MODE",
    "SPOOL_MODE",
    "DataFile",
    "MessageNotFound",
    "Spool",
    "SpoolLocked",
]

SPOOL_MODE = 0o640
INPUT_DIRECTORY_MODE = 0o750
MSGLOG_DIRECTORY_MODE = 0o750


class SpoolLocked(PyEximError):
    """Another process holds the message's -D lock (Exim: "Spool file for ID is locked")."""

    def __init__(self, message_id: str):
        super().__init__(f"Spool file for {message_id} is locked "
                         "(another process is handling this message)")
        self.message_id = message_id


class MessageNotFound(PyEximError):
    """No -D (or -H) file for the message (Exim: "Spool file ID-D not found")."""

    def __init__(self, message_id: str, suffix: str = "-D"):
        super().__init__(f"Spool file {message_id}{suffix} not found")
        self.message_id = message_id


@record
class DataFile:
    """An open, locked -D file. Keep it open while working on the message; close() unlocks."""

    message_id: str
    path: str
    subdir: str
    fd: int

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def body_size(self) -> int:
        """Bytes of body (the file less its id line): Exim's message_body_size."""
        return os.fstat(self.fd).st_size - lock_length(self.message_id)

    def read_body(self) -> bytes:
        """The body, read through the locked descriptor."""
        size = os.fstat(self.fd).st_size
        data = os.pread(self.fd, size, 0)
        return parse_data_file(data, file=self.path, message_id=self.message_id)


class Spool:
    """One spool directory (and queue) as a given configuration sees it.

    *owner* is (uid, gid) of the Exim user: when pyexim runs as root, files and
    directories it creates are given to that user, as Exim does with exim_uid/exim_gid.
    *fsync* False skips the fsyncs (tests only; never in production). *fmt* is the
    message-id layout in use (it decides which file names are messages).
    """

    def __init__(self, directory: str, *, split: bool = False, queue_name: str = "",
                 owner: tuple[int, int] | None = None, fsync: bool = True,
                 fmt: IdFormat = DEFAULT_FORMAT):
        self.fmt = fmt
        self.directory = directory
        self.split = split
        self.queue_name = queue_name
        self.owner = owner
        self.fsync = fsync

    # ---- paths ------------------------------------------------------------------

    def path(self, purpose: str, subdir: str, name: str, suffix: str = "") -> str:
        """spool_fname(): SPOOL/QUEUE/PURPOSE/SUBDIR/NAME+SUFFIX, empty parts kept."""
        return f"{self.directory}/{self.queue_name}/{purpose}/{subdir}/{name}{suffix}"

    def dir_path(self, purpose: str, subdir: str = "") -> str:
        """The directory holding PURPOSE files for SUBDIR."""
        return f"{self.directory}/{self.queue_name}/{purpose}/{subdir}"

    def subdir_for(self, message_id: str) -> str:
        """Where a new message goes: its 6th character when split, else the top level."""
        return spool_subdirectory(message_id) if self.split else ""

    def subdir_search(self, message_id: str) -> tuple[str, str]:
        """Where to look for an existing message, first place first (set_subdir_str).

        Exim looks where the current setting puts it, then in the other place, so
        messages left from before a change of split_spool_directory are still found.
        """
        split = spool_subdirectory(message_id)
        return (split, "") if self.split else ("", split)

    # ---- creating a message -------------------------------------------------------

    def _give_to_owner(self, fd: int) -> None:
        if self.owner is not None and os.geteuid() == 0:
            os.fchown(fd, *self.owner)
        os.fchmod(fd, SPOOL_MODE)

    def _make_dir(self, purpose: str, subdir: str, mode: int) -> None:
        """directory_make(): create the spool directories down to PURPOSE/SUBDIR."""
        parts = [p for p in (self.queue_name, purpose, subdir) if p]
        current = self.directory
        for part in parts:
            current = f"{current}/{part}"
            try:
                os.mkdir(current, mode)
            except FileExistsError:
                continue
            if self.owner is not None and os.geteuid() == 0:
                os.chown(current, *self.owner)
            os.chmod(current, mode)

    def create_data_file(self, message_id: str, body: bytes,
                         subdir: str | None = None) -> DataFile:
        """Create, lock, write and fsync the -D file of a new message; returns it still locked.

        *subdir* defaults to where the split setting puts the message. Raises
        FileExistsError if the message already exists, OSError on failure.
        """
        if subdir is None:
            subdir = self.subdir_for(message_id)
        path = self.path("input", subdir, message_id, "-D")
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, SPOOL_MODE)
        except FileNotFoundError:
            self._make_dir("input", subdir, INPUT_DIRECTORY_MODE)
            fd = os.open(path, flags, SPOOL_MODE)
        handle = DataFile(message_id, path, subdir, fd)
        try:
            self._give_to_owner(fd)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, lock_length(message_id), 0, os.SEEK_SET)
            _write_all(fd, data_file_prefix(message_id) + body)
            if self.fsync:
                os.fsync(fd)
        except BaseException:
            handle.close()
            _unlink_quietly(path)
            raise
        return handle

    def write_header(self, header: SpoolHeader, subdir: str | None = None) -> int:
        """Write (or replace) the -H file durably; returns the size of its header texts.

        The file is written as ``hdr.ID``, fsynced, renamed to ``ID-H``, and the
        directory fsynced (EINVAL from a file system that cannot sync directories is
        ignored, as in Exim). The caller holds the -D lock. ValueError for a record that
        cannot be written (see format_header_file); OSError on failure, with no
        temporary file left behind.
        """
        data = format_header_file(header)
        message_id = header.message_id
        if subdir is None:
            subdir = self.subdir_for(message_id)
        temp = self.path("input", subdir, "hdr.", message_id)
        final = self.path("input", subdir, message_id, "-H")
        fd = _open_temp(temp)
        try:
            self._give_to_owner(fd)
            _write_all(fd, data)
            if self.fsync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink_quietly(temp)
            raise
        os.close(fd)
        try:
            os.rename(temp, final)
        except BaseException:
            _unlink_quietly(temp)
            raise
        if self.fsync:
            self._fsync_dir(self.dir_path("input", subdir))
        return header.header_size

    def store_message(self, header: SpoolHeader, body: bytes) -> DataFile:
        """-D then -H, in Exim's order; returns the still-locked -D file.

        Receivers that run DATA ACLs between the two steps call create_data_file() and
        write_header() themselves.
        """
        handle = self.create_data_file(header.message_id, body)
        try:
            self.write_header(header, handle.subdir)
        except BaseException:
            handle.close()
            _unlink_quietly(handle.path)
            raise
        return handle

    def _fsync_dir(self, path: str) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        except OSError as error:
            if error.errno != errno.EINVAL:
                raise
        finally:
            os.close(fd)

    # ---- reading ---------------------------------------------------------------------

    def open_data_file(self, message_id: str) -> DataFile:
        """Open and lock an existing message's -D file, as spool_open_datafile() does.

        Looks in both possible subdirectories. Raises MessageNotFound, or SpoolLocked
        when another process (pyexim or Exim) is working on the message.
        """
        for subdir in self.subdir_search(message_id):
            path = self.path("input", subdir, message_id, "-D")
            try:
                fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, lock_length(message_id), 0,
                            os.SEEK_SET)
            except OSError as error:
                os.close(fd)
                if error.errno in (errno.EACCES, errno.EAGAIN):
                    raise SpoolLocked(message_id) from None
                raise
            return DataFile(message_id, path, subdir, fd)
        raise MessageNotFound(message_id)

    def find_subdir(self, message_id: str, suffix: str = "-H") -> str | None:
        """The subdirectory holding ID+SUFFIX, or None when it is in neither place."""
        for subdir in self.subdir_search(message_id):
            if os.path.exists(self.path("input", subdir, message_id, suffix)):
                return subdir
        return None

    def read_header(self, message_id: str, subdir: str | None = None) -> SpoolHeader:
        """Read and parse ID-H; MessageNotFound, SpoolFormatError, or OSError."""
        places = (subdir,) if subdir is not None else self.subdir_search(message_id)
        for place in places:
            path = self.path("input", place, message_id, "-H")
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except FileNotFoundError:
                continue
            return parse_header_file(data, file=path, message_id=message_id)
        raise MessageNotFound(message_id, "-H")

    def read_body(self, message_id: str) -> bytes:
        """The body, without locking (for listing and -Mvb; delivery uses open_data_file)."""
        for subdir in self.subdir_search(message_id):
            path = self.path("input", subdir, message_id, "-D")
            try:
                with open(path, "rb") as handle:
                    return parse_data_file(handle.read(), file=path, message_id=message_id)
            except FileNotFoundError:
                continue
        raise MessageNotFound(message_id)

    # ---- msglog and journal ------------------------------------------------------------

    def append_msglog(self, message_id: str, text: str, subdir: str | None = None) -> None:
        """Append lines (already formatted, newline-terminated) to the message's msglog."""
        if subdir is None:
            subdir = self.subdir_for(message_id)
        path = self.path("msglog", subdir, message_id)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, SPOOL_MODE)
        except FileNotFoundError:
            self._make_dir("msglog", subdir, MSGLOG_DIRECTORY_MODE)
            fd = os.open(path, flags, SPOOL_MODE)
        try:
            self._give_to_owner(fd)
            _write_all(fd, text.encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)

    def read_msglog(self, message_id: str, subdir: str | None = None) -> str:
        """The msglog's text ("" when there is none)."""
        places = (subdir,) if subdir is not None else self.subdir_search(message_id)
        for place in places:
            try:
                with open(self.path("msglog", place, message_id), "rb") as handle:
                    return handle.read().decode("utf-8", "surrogateescape")
            except FileNotFoundError:
                continue
        return ""

    def journal_append(self, message_id: str, addresses: list[str], subdir: str) -> None:
        """Record delivered addresses in ID-J and fsync it (deliver.c, before -H is updated)."""
        path = self.path("input", subdir, message_id, "-J")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, SPOOL_MODE)
        try:
            self._give_to_owner(fd)
            _write_all(fd, "".join(f"{a[:500]}\n" for a in addresses).encode(
                "utf-8", "surrogateescape"))
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def journal_read(self, message_id: str, subdir: str) -> list[str]:
        """Addresses a crashed delivery recorded in ID-J ([] when there is no journal)."""
        try:
            with open(self.path("input", subdir, message_id, "-J"), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return []
        return [line.decode("utf-8", "surrogateescape") for line in data.split(b"\n")[:-1]]

    # ---- removal -------------------------------------------------------------------------

    def remove_message(self, message_id: str, subdir: str) -> None:
        """Remove a finished message in Exim's order: msglog, -D, -H, then -J."""
        _unlink_quietly(self.path("msglog", subdir, message_id))
        os.unlink(self.path("input", subdir, message_id, "-D"))
        os.unlink(self.path("input", subdir, message_id, "-H"))
        _unlink_quietly(self.path("input", subdir, message_id, "-J"))

    # ---- scanning --------------------------------------------------------------------------

    def header_files(self) -> Iterator[tuple[str, str]]:
        """(subdir, "ID-H") for every -H file, top level first, in directory order.

        This is queue_get_spool_list()'s scan: single alphanumeric subdirectories of the
        input directory are scanned after it; any name of the right length ending in
        ``-H`` counts.
        """
        top = self.dir_path("input")
        name_length = self.fmt.length + 2
        try:
            entries = list(os.scandir(top))
        except FileNotFoundError:
            return
        subdirs: list[str] = []
        for entry in entries:
            name = entry.name
            if len(name) == 1 and name.isascii() and name.isalnum():
                subdirs.append(name)
            elif len(name) == name_length and name.endswith("-H"):
                yield "", name
        for subdir in subdirs:
            try:
                with os.scandir(f"{top}/{subdir}") as inner:
                    for entry in inner:
                        if len(entry.name) == name_length and entry.name.endswith("-H"):
                            yield subdir, entry.name
            except (FileNotFoundError, NotADirectoryError):
                continue


def _open_temp(path: str) -> int:
    """spool_open_temp(): create exclusively, with one unlink and retry if a stale one exists."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(path, flags, SPOOL_MODE)
    except FileExistsError:
        _unlink_quietly(path)
        return os.open(path, flags, SPOOL_MODE)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
