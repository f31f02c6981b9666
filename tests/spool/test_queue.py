"""Queue listing helpers and queue-run selection (queue.c)."""

from __future__ import annotations

import pytest

from pyexim.message import Envelope, Recipient
from pyexim.spool.header_file import SpoolHeader
from pyexim.spool.queue import (
    QueueSelection,
    format_age,
    format_size,
    queue_order,
    random_order,
)
from pyexim.spool.tree import ExactTree


@pytest.mark.parametrize("size,text", [
    (0, "     "), (1, "    1"), (1023, " 1023"), (1024, " 1.0K"), (10239, "10.0K"),
    (10240, "  10K"), (1048575, "1024K"), (1048576, " 1.0M"), (10485759, "10.0M"),
    (10485760, "  10M"),
])
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize("age,text", [
    (0, " 0m "), (59, " 0m "), (60, " 1m "), (90 * 60 + 59, "90m "), (91 * 60, " 2h "),
    (72 * 3600 + 29 * 60, "72h "), (73 * 3600, " 3d "), (-61, "-1m "), (-59, " 0m "),
])
def test_format_age(age: int, text: str) -> None:
    assert format_age(1_000_000, 1_000_000 - age) == text


def test_queue_order_ignores_the_pid() -> None:
    files = [("", "1xW98n-0003BC-0B-H"), ("", "1xW98n-0000AA-0C-H"), ("a", "1xW98m-zzzzzz-0z-H")]
    assert [name for _, name in queue_order(files)] == [
        "1xW98m-zzzzzz-0z-H", "1xW98n-0003BC-0B-H", "1xW98n-0000AA-0C-H"]


def test_random_order_uses_the_bits_of_the_time() -> None:
    files = [("", str(i)) for i in range(5)]
    # bits of 0b0110, low first: 0 -> front, 1 -> back, 1 -> back, 0 -> front
    assert [n for _, n in random_order(files, 0b0110)] == ["4", "1", "0", "2", "3"]


def header(**fields: object) -> SpoolHeader:
    values: dict[str, object] = {
        "message_id": "1xW98n-0003BC-0A", "originator_login": "root", "originator_uid": 0,
        "originator_gid": 0, "received_time": 0,
        "envelope": Envelope("Sender@Client.Example", [Recipient("a@x.test"),
                                                       Recipient("b@y.test")])}
    values.update(fields)
    return SpoolHeader(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("selection,fields,wanted", [
    (QueueSelection(sender="client.example"), {}, True),
    (QueueSelection(sender="other"), {}, False),
    (QueueSelection(sender=r"^sender@", sender_regex=True), {}, False),     # regex is caseful
    (QueueSelection(recipient="Y.TEST"), {}, True),
    (QueueSelection(recipient="y.test"), {"nonrecipients": ExactTree.from_names(["b@y.test"])},
     False),
    (QueueSelection(recipient=r"^a@", recipient_regex=True), {}, True),
    (QueueSelection(first_delivery_only=True), {"deliver_firsttime": False}, False),
    (QueueSelection(first_delivery_only=True), {"deliver_firsttime": True}, True),
    (QueueSelection(sender="nomatch", force_thaw=True), {"frozen_at": 5}, False),
    (QueueSelection(sender="client", force_thaw=True), {"frozen_at": 5}, True),
])
def test_selection(selection: QueueSelection, fields: dict, wanted: bool) -> None:
    assert selection.reads_header
    assert selection.wanted(header(**fields))[0] is wanted


def test_frozen_messages_are_skipped_with_a_log_line() -> None:
    assert QueueSelection(sender="client").wanted(header(frozen_at=5)) == (
        False, "Message is frozen")


def test_id_range() -> None:
    selection = QueueSelection(start_id="1xW98n-0000AA-00", stop_id="1xW98n-zzzzzz-zz")
    assert selection.in_range("1xW98n-0003BC-0A")
    assert not selection.in_range("1xW98m-0003BC-0A")
    assert not QueueSelection().reads_header
