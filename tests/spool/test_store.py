"""The spool store: layout, modes, Exim's write order, locking, msglog, journal, removal."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pyexim.message import Envelope, HeaderLine, Recipient
from pyexim.spool.header_file import SpoolHeader
from pyexim.spool.queue import count_queue
from pyexim.spool.store import MessageNotFound, Spool, SpoolLocked

MID = "1xW98n-0003BC-0A"


def header(message_id: str = MID) -> SpoolHeader:
    return SpoolHeader(message_id=message_id, originator_login="root", originator_uid=0,
                       originator_gid=0, envelope=Envelope("a@b", [Recipient("c@d")]),
                       received_time=1795598293, headers=[HeaderLine("Subject: x\n")])


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    (tmp_path / "spool").mkdir()        # Exim creates input/ and msglog/, not the spool itself
    return Spool(str(tmp_path / "spool"))


def test_store_and_read_back(spool: Spool) -> None:
    with spool.store_message(header(), b"body\n") as data_file:
        assert data_file.read_body() == b"body\n"
        assert data_file.body_size() == 5
    h_path = Path(spool.path("input", "", MID, "-H"))
    d_path = Path(spool.path("input", "", MID, "-D"))
    assert d_path.read_bytes() == b"1xW98n-0003BC-0A-D\nbody\n"
    assert stat.S_IMODE(h_path.stat().st_mode) == 0o640
    assert stat.S_IMODE(d_path.stat().st_mode) == 0o640
    assert stat.S_IMODE(Path(spool.dir_path("input")).stat().st_mode) == 0o750
    assert not list(Path(spool.dir_path("input")).glob("hdr.*"))      # temp file renamed
    assert spool.read_header(MID).envelope.recipients[0].address == "c@d"
    assert spool.read_body(MID) == b"body\n"
    assert count_queue(spool) == 1


def test_spooled_message_view_shares_envelope_and_headers(spool: Spool) -> None:
    spool.store_message(header(), b"body\n").close()
    record = spool.read_header(MID)
    message = record.message(spool.read_body(MID))
    assert message.size == len("Subject: x\n") + 1 + len("body\n")
    message.envelope.recipients.append(Recipient("e@f"))
    message.headers[0].type = "*"
    assert [r.address for r in record.envelope.recipients] == ["c@d", "e@f"]
    assert record.header_size == 0


def test_paths_follow_spool_fname(spool: Spool) -> None:
    assert spool.path("input", "", MID, "-H").endswith("/spool//input//1xW98n-0003BC-0A-H")
    named = Spool("/var/spool/exim", queue_name="slow", split=True)
    assert named.path("input", named.subdir_for(MID), MID, "-D") == (
        "/var/spool/exim/slow/input/n/1xW98n-0003BC-0A-D")


def test_split_spool_and_leftovers(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    split = Spool(str(tmp_path / "s"), split=True)
    split.store_message(header(), b"x\n").close()
    assert Path(split.path("input", "n", MID, "-H")).exists()
    # A spool that is no longer split still finds the message in its subdirectory.
    unsplit = Spool(str(tmp_path / "s"))
    assert unsplit.find_subdir(MID) == "n"
    assert unsplit.read_header(MID).message_id == MID
    assert [name for _, name in unsplit.header_files()] == [MID + "-H"]


def test_second_create_is_refused(spool: Spool) -> None:
    spool.create_data_file(MID, b"x\n").close()
    with pytest.raises(FileExistsError):
        spool.create_data_file(MID, b"y\n")


def test_lock_held_by_another_process_is_seen(spool: Spool) -> None:
    spool.store_message(header(), b"x\n").close()
    path = spool.path("input", "", MID, "-D")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR);"
          "fcntl.lockf(fd, fcntl.LOCK_EX, 19, 0, 0); print('locked', flush=True);"
          "sys.stdin.read()"), path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(SpoolLocked, match="is locked"):
            spool.open_data_file(MID)
    finally:
        holder.communicate("")
    with spool.open_data_file(MID) as data_file:
        assert data_file.read_body() == b"x\n"


def test_missing_message(spool: Spool) -> None:
    with pytest.raises(MessageNotFound, match="1xW98n-0003BC-0A-D not found"):
        spool.open_data_file(MID)
    with pytest.raises(MessageNotFound):
        spool.read_header(MID)


def test_write_header_failure_leaves_no_temp_file(spool: Spool) -> None:
    spool.create_data_file(MID, b"x\n").close()
    bad = header()
    bad.helo_name = "two\nlines"
    with pytest.raises(ValueError):
        spool.write_header(bad)
    assert not list(Path(spool.dir_path("input")).glob("hdr.*"))
    assert not Path(spool.path("input", "", MID, "-H")).exists()


def test_stale_temp_file_is_replaced(spool: Spool) -> None:
    spool.create_data_file(MID, b"x\n").close()
    Path(spool.path("input", "", "hdr.", MID)).write_bytes(b"stale")
    spool.write_header(header())
    assert spool.read_header(MID).message_id == MID


def test_msglog_journal_and_removal(spool: Spool) -> None:
    spool.store_message(header(), b"x\n").close()
    spool.append_msglog(MID, "2026-11-25 09:18:13 Received from a@b\n")
    spool.append_msglog(MID, "2026-11-25 09:18:14 c@d: delivered\n")
    assert spool.read_msglog(MID).count("\n") == 2
    spool.journal_append(MID, ["c@d", "e@f"], "")
    assert spool.journal_read(MID, "") == ["c@d", "e@f"]
    spool.remove_message(MID, "")
    assert count_queue(spool) == 0
    assert not any(Path(spool.directory).rglob(MID + "*"))
    assert spool.journal_read(MID, "") == []


def test_owner_is_applied_when_root(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give files away")
    (tmp_path / "spool").mkdir()
    spool = Spool(str(tmp_path / "spool"), owner=(1, 1))
    spool.store_message(header(), b"x\n").close()
    info = Path(spool.path("input", "", MID, "-H")).stat()
    assert (info.st_uid, info.st_gid) == (1, 1)
