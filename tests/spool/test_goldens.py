"""Goldens from real Exim 4.96 (tests/spool/make_goldens.py): spool files read field for field
and rewritten byte for byte, -bp listings, and Exim's header/body split of -bm input."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from pyexim.message import HeaderTyping, decode, encode, parse_message, type_received_headers
from pyexim.spool.data_file import parse_data_file
from pyexim.spool.header_file import (
    acl_vars_in_spool_order,
    format_header_file,
    parse_header_file,
)
from pyexim.spool.queue import (
    LIST_ALL,
    LIST_UNDELIVERED,
    LIST_WITH_GENERATED,
    count_queue,
    list_queue,
)
from pyexim.spool.store import Spool
from pyexim.spool.tree import spool_order
from pyexim.taint import is_tainted

from .crafted import write_crafted_spool

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in (GOLDEN / "exim").glob("*/case.json"))
PARSE_CASES = sorted((GOLDEN / "parse").glob("*.json"))
LIST_OPTIONS = {"-bp": LIST_ALL, "-bpu": LIST_UNDELIVERED, "-bpa": LIST_WITH_GENERATED}


def load_case(case: Path) -> tuple[dict, bytes, bytes]:
    expect = json.loads((case / "case.json").read_text())
    mid = expect["id"]
    return expect, (case / f"{mid}-H").read_bytes(), (case / f"{mid}-D").read_bytes()


def test_goldens_exist() -> None:
    assert len(CASES) >= 8 and len(PARSE_CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exim_spool_file_round_trips_byte_for_byte(case: Path) -> None:
    expect, h_data, d_data = load_case(case)
    header = parse_header_file(h_data, file=str(case), message_id=expect["id"])
    assert format_header_file(header) == h_data
    body = parse_data_file(d_data, message_id=expect["id"])
    if "body" in expect:
        assert body == expect["body"].encode()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exim_spool_fields(case: Path) -> None:
    expect, h_data, _ = load_case(case)
    header = parse_header_file(h_data)
    env = header.envelope
    assert env.sender == expect["sender"] and is_tainted(env.sender)
    addresses = [r.address for r in env.recipients]
    if "recipients" in expect:
        assert addresses == expect["recipients"]
    for name in ("dsn_envid", "dsn_ret"):
        if name in expect:
            assert getattr(env, name) == expect[name]
    if "orcpts" in expect:
        assert [r.orcpt for r in env.recipients] == expect["orcpts"]
        assert [r.dsn_flags for r in env.recipients] == expect["dsn_flags"]
    for name in ("host_address", "host_port", "interface_address", "interface_port",
                 "host_name", "ident", "received_protocol", "host_auth", "auth_id",
                 "auth_sender", "helo_name", "smtputf8", "manual_thaw", "sender_local",
                 "body_zerocount", "tls_certificate_verified", "tls_peerdn", "wireformat"):
        if name in expect:
            assert getattr(header, name) == expect[name], name
    if "frozen" in expect:
        assert header.frozen is expect["frozen"]
    # ACL variables are written in the preorder of Exim's tree of them.
    if "acl_c" in expect:
        assert [n for n in header.acl_vars if n[0] == "c"] == spool_order(expect["acl_c"])
    if "acl_m" in expect:
        assert [n for n in header.acl_vars if n[0] == "m"] == spool_order(expect["acl_m"])
        # Given the variables in the order the ACLs set them, the writer's helper puts
        # them back in the order Exim wrote.
        by_insertion = {n: header.acl_vars[n]
                        for n in expect.get("acl_c", []) + expect["acl_m"]}
        assert list(acl_vars_in_spool_order(by_insertion)) == [
            n for n in header.acl_vars if n in by_insertion]
    if "nonrecipients" in expect:
        assert sorted(header.nonrecipients) == expect["nonrecipients"]
        assert addresses[:len(expect["recipients_start"])] == expect["recipients_start"]
        added = {r.address: [r.errors_to, r.pno] for r in env.recipients
                 if r.address not in expect["recipients_start"]}
        assert added == expect["onetime"]


def test_acl_variable_values_from_exim() -> None:
    case = GOLDEN / "exim" / "dsn-many"
    _, h_data, _ = load_case(case)
    acl = parse_header_file(h_data).acl_vars
    assert acl["m_multi"] == "line one\nline two\n\nline four"
    assert acl["m_empty"] == "" and acl["m_dashes"] == "-aclm fake 3\nxyz"
    assert encode(acl["m_8bit"]) == b"caf\xc3\xa9 \xff"
    assert is_tainted(acl["m_rcpts"]) and not is_tainted(acl["m_multi"])


def copy_golden_spool(tmp_path: Path) -> Spool:
    spool_dir = tmp_path / "spool"
    (spool_dir / "input").mkdir(parents=True)
    for case in CASES:
        for path in case.glob("*-[HD]"):
            shutil.copyfile(path, spool_dir / "input" / path.name)
    return Spool(str(spool_dir))


def check_listing(spool: Spool, golden: dict) -> None:
    now = golden["now"]
    for form, expected in golden["outputs"].items():
        if form == "-bpc":
            assert f"{count_queue(spool)}\n" == expected
        else:
            got = "".join(list_queue(spool, now=now, option=LIST_OPTIONS[form]))
            assert got == expected, form


def test_bp_of_exim_written_spool(tmp_path: Path) -> None:
    check_listing(copy_golden_spool(tmp_path), json.loads((GOLDEN / "exim" / "bp.json").read_text()))


def test_bp_of_pyexim_written_spool_matches_exim(tmp_path: Path) -> None:
    golden = json.loads((GOLDEN / "crafted-bp.json").read_text())
    spool = Spool(str(tmp_path / "spool"), fsync=False)
    (tmp_path / "spool" / "input").mkdir(parents=True)
    write_crafted_spool(spool, golden["now"])
    check_listing(spool, golden)


def exim_parse_case(path: Path) -> tuple[dict, bytes]:
    record = json.loads(path.read_text())
    return record, base64.b64decode(record["input"])


@pytest.mark.parametrize("path", PARSE_CASES, ids=[p.stem for p in PARSE_CASES])
def test_header_body_split_matches_exim(path: Path) -> None:
    record, data = exim_parse_case(path)
    exim_h = parse_header_file(base64.b64decode(record["H"]))
    exim_body = parse_data_file(base64.b64decode(record["D"]))
    parsed = parse_message(data, dot_ends="-oi" not in record["flags"])
    assert parsed.body == exim_body
    assert parsed.body_linecount == exim_h.body_linecount
    assert parsed.body_zerocount == exim_h.body_zerocount
    assert parsed.max_received_linelength == exim_h.max_received_linelength
    # Exim puts its Received: first and appends any Message-Id:/From:/Date: it adds.
    ours = [h.text for h in parsed.headers]
    theirs = [h.text for h in exim_h.headers[1:1 + len(ours)]]
    assert [encode(t) for t in ours] == [encode(t) for t in theirs]
    type_received_headers(parsed.headers, HeaderTyping(sender_local=True, trusted_caller=True))
    assert [h.type for h in parsed.headers] == [h.type for h in exim_h.headers[1:1 + len(ours)]]


def test_from_line_is_consumed_like_exim() -> None:
    _, data = exim_parse_case(GOLDEN / "parse" / "from-line.json")
    parsed = parse_message(data)
    assert parsed.from_line_sender == "bob"
    assert decode(b"Subject: a\n") in [h.text for h in parsed.headers]
