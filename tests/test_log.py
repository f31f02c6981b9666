"""pyexim.log: selectors, timestamps, paths, the writer, and every line type against the lines
real Exim 4.96 wrote for the same events (goldens from tests/spool/make_goldens.py; times,
pids and message ids are normalised)."""

from __future__ import annotations

import calendar
import json
import re
from pathlib import Path

import pytest

from pyexim.errors import ConfigError
from pyexim.log.lines import (
    MESSAGE_IS_FROZEN,
    Delivery,
    HostUsed,
    LoggedAddress,
    PeerHost,
    Reception,
    TlsIn,
    acl_reject_line,
    children_complete_msglog,
    completed_line,
    deferral_line,
    deferral_msglog,
    delivery_line,
    delivery_msglog,
    failure_line,
    failure_msglog,
    frozen_by_line,
    queue_run_line,
    reception_line,
    reception_msglog,
    rejectlog_details,
    unfrozen_by_line,
)
from pyexim.log.paths import LogPaths, frame, log_file_name, log_paths
from pyexim.log.selector import DEFAULT_LOG_SELECTOR, LogSelector
from pyexim.log.text import log_timestamp, string_printing, time_diff
from pyexim.log.writer import LogWriter
from pyexim.message import HeaderLine, encode
from pyexim.spool.data_file import parse_data_file
from pyexim.spool.header_file import SpoolHeader, parse_header_file
from pyexim.spool.msgid import external_id
from pyexim.timevalue import format_time as print_time

GOLDEN = Path(__file__).parent / "spool" / "golden"
RUNS = ("log-default", "log-all")
CONF_SELECTOR = ("+subject +received_recipients +delivery_size +sender_on_delivery +queue_time "
                 "+deliver_time +queue_time_overall +return_path_on_delivery +received_sender "
                 "+smtp_confirmation +tls_peerdn +millisec")
LOG_RECIPIENTS = ("alice@oracle.test", "bob@oracle.test", "carol@relay.test",
                  "bouncer@oracle.test", "deferme@oracle.test", "a@capture.test",
                  "b@capture.test", "postmaster@oracle.test")

# ---- selectors ------------------------------------------------------------------------

SELECTOR_GOLDEN = json.loads((GOLDEN / "log-selector.json").read_text())


@pytest.mark.parametrize("setting", SELECTOR_GOLDEN, ids=repr)
def test_selector_accepted_or_refused_as_exim_does(setting: str) -> None:
    expected = SELECTOR_GOLDEN[setting]
    if expected["status"] == 0:
        LogSelector.parse(setting)
    else:
        with pytest.raises(ConfigError) as info:
            LogSelector.parse(setting)
        assert info.value.reason == expected["error"]


@pytest.mark.parametrize("setting,on,off", [
    (None, {"retry_defer", "tls_cipher"}, {"subject", "pid"}),
    ("+all", {"pid", "subject", "8bitmime", "smtp_connection"}, set()),
    ("+all -pid", {"subject"}, {"pid"}),
    ("-all +subject", {"subject"}, {"retry_defer"}),
    ("+rejected_headers -rejected_header", set(), {"rejected_header"}),
    ("=0x10", {"dnslist_defer"}, {"retry_defer", "tls_cipher"}),
])
def test_selector_bits(setting: str | None, on: set[str], off: set[str]) -> None:
    selector = LogSelector.parse(setting)
    assert all(name in selector for name in on)
    assert not any(name in selector for name in off)
    if setting is None:
        assert selector.enabled == DEFAULT_LOG_SELECTOR


# ---- small formats ----------------------------------------------------------------------

@pytest.mark.parametrize("seconds,text", [(0, "0s"), (59, "59s"), (60, "1m"), (3661, "1h1m1s"),
                                          (694861, "1w1d1h1m1s"), (-5, "-5s")])
def test_print_time(seconds: int, text: str) -> None:
    assert print_time(seconds) == text


def test_time_diff_uses_milliseconds_below_five_seconds() -> None:
    milli = LogSelector.parse("+millisec")
    assert time_diff(0.0345, milli) == "0.034s"
    assert time_diff(4.9999, milli) == "4.999s"
    assert time_diff(5.5, milli) == "5s"
    assert time_diff(0.5, LogSelector()) == "0s"


def test_string_printing() -> None:
    assert string_printing("a\tb\nc\x01\u00e9") == "a\tb\\nc\\001\\303\\251"
    assert string_printing("a b\tc", escape_tab=True, escape_space=True) == "a\\040b\\tc"
    assert string_printing("\u00e9", top_bit_chars=True) == "\u00e9"


def test_timestamps() -> None:
    when = calendar.timegm((2026, 11, 25, 9, 18, 13)) + 0.0507
    assert log_timestamp(when, utc=True) == "2026-11-25 09:18:13"
    assert log_timestamp(when, utc=True, millisec=True) == "2026-11-25 09:18:13.050"
    assert log_timestamp(when, utc=True, with_zone=True) == "2026-11-25 09:18:13 +0000"


@pytest.mark.parametrize("setting,pattern,syslog", [
    ("", "/var/log/exim4/%slog", False),
    ("/log/%slog", "/log/%slog", False),
    ("syslog", None, True),
    ("syslog : /x/%slog", "/x/%slog", True),
    (":syslog", "/var/log/exim4/%slog", True),
])
def test_log_paths(setting: str, pattern: str | None, syslog: bool) -> None:
    paths = log_paths(setting, "/var/spool/exim4")
    assert (paths.pattern, paths.syslog) == (pattern, syslog)


def test_log_paths_fall_back_to_the_spool_and_note_extra_paths() -> None:
    assert log_paths(":", "/spool", compiled="syslog").pattern == "/spool/log/%slog"
    assert log_paths("/a/%slog : /b/%slog", "/s").multiple
    assert not log_paths("/a/%slog", "/s").multiple


@pytest.mark.parametrize("pattern,kind,name", [
    ("/l/%slog", "main", "/l/mainlog"),
    ("/l/%slog-%D", "main", "/l/mainlog-20261125"),
    ("/l/%slog-%D", "panic", "/l/paniclog"),
    ("/l/%D-%slog", "panic", "/l/paniclog"),
    ("/l/%M/%slog", "reject", "/l/202611/rejectlog"),
    ("/l/%slog%%", "main", "/l/mainlog%"),
])
def test_log_file_names(pattern: str, kind: str, name: str) -> None:
    when = calendar.timegm((2026, 11, 25, 9, 0, 0))
    assert log_file_name(pattern, kind, when, utc=True) == name


# ---- the writer ---------------------------------------------------------------------------

def test_writer_appends_reopens_and_splits_logs(tmp_path: Path) -> None:
    clock = [calendar.timegm((2026, 11, 25, 9, 0, 0)) + 0.25]
    sent: list[tuple[str, str]] = []
    writer = LogWriter(LogPaths(str(tmp_path / "%slog"), True),
                       LogSelector.parse("+millisec +pid"), utc=True, clock=lambda: clock[0],
                       pid=77, syslog_send=lambda p, t: sent.append((p, t)))
    writer.write("<= a@b S=1", message_id="1xW98n-0003BC-0A")
    (tmp_path / "mainlog").rename(tmp_path / "mainlog.0")          # a log cycler ran
    writer.write("rejected RCPT <x@y>", reject=True, reject_details="Envelope-from: <a>\n")
    writer.write("panic!", main=False, panic=True)
    writer.write("retry skipped", selector="retry_defer")
    writer.write("not logged", selector="smtp_connection")
    writer.close()
    assert (tmp_path / "mainlog.0").read_text() == (
        "2026-11-25 09:00:00.250 [77] 1xW98n-0003BC-0A <= a@b S=1\n")
    assert (tmp_path / "mainlog").read_text() == (
        "2026-11-25 09:00:00.250 [77] rejected RCPT <x@y>\n"
        "2026-11-25 09:00:00.250 [77] retry skipped\n")
    assert (tmp_path / "rejectlog").read_text() == (
        "2026-11-25 09:00:00.250 [77] rejected RCPT <x@y>\nEnvelope-from: <a>\n")
    assert (tmp_path / "paniclog").read_text() == "2026-11-25 09:00:00.250 [77] panic!\n"
    assert ("notice", "2026-11-25 09:00:00.250 [77] rejected RCPT <x@y>") in sent[:3] or any(
        p == "notice" for p, _ in sent)
    assert all(p in ("info", "notice", "alert") for p, _ in sent)


def test_syslog_splits_multiline_text() -> None:
    sent: list[str] = []
    writer = LogWriter(LogPaths(None, True), LogSelector(), syslog_timestamp=False,
                       clock=lambda: 0.0, syslog_send=lambda p, t: sent.append(t))
    writer.write("x", reject=True, main=False, reject_details="line two\n")
    assert sent == ["[1\\2] x", "[2/2] line two"]


# ---- lines against Exim ---------------------------------------------------------------------

def load_run(run: str) -> tuple[dict, LogSelector]:
    record = json.loads((GOLDEN / run / "events.json").read_text())
    return record, LogSelector.parse(record["selector"] or CONF_SELECTOR)


_TIMES = re.compile(r" (QT|DT|RT)=[0-9.wdhms]+")


def split(line: str) -> tuple[str, str | None, str]:
    """(timestamp, message id, text) of an Exim line, pid dropped, times normalised."""
    match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?) (?:\[\d+\] )?"
                     r"(?:([0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}) )?(.*)", line)
    assert match, line
    return match.group(1), match.group(2), _TIMES.sub(r" \1=T", match.group(3))


def spooled(run: str, name: str) -> tuple[SpoolHeader, bytes]:
    messages = GOLDEN / run / "messages"
    return (parse_header_file((messages / f"{name}-H").read_bytes()),
            parse_data_file((messages / f"{name}-D").read_bytes()))


def reception_from_spool(header: SpoolHeader, body: bytes, **extra: object) -> Reception:
    """What a receiver knows at the end of DATA, taken here from the spool files."""
    subject = next((h.raw_value.strip() for h in header.headers if h.is_named("subject")), None)
    msgid = next((h.raw_value.strip().strip("<>") for h in header.headers if h.type == "I"),
                 None)
    host = PeerHost(address=header.host_address, port=header.host_port, name=header.host_name,
                    helo=header.helo_name if header.host_address else None, ident=header.ident,
                    interface_address=header.interface_address,
                    interface_port=header.interface_port)
    fields: dict[str, object] = dict(
        sender=header.envelope.sender, size=header.header_size + len(body) + 1, host=host,
        protocol=header.received_protocol, authenticator=header.host_auth,
        auth_id=header.auth_id, subject=subject, message_id_header=msgid,
        raw_sender=header.envelope.sender, receive_time=0.0,
        raw_recipients=tuple(r.address for r in header.envelope.recipients))
    fields.update(extra)
    return Reception(**fields)  # type: ignore[arg-type]


def local_address(address: str, *parents: str) -> LoggedAddress:
    local_part, domain = address.split("@")
    return LoggedAddress(address, local_part, domain, parents=parents, log_as_local=True)


def plain_address(address: str) -> LoggedAddress:
    local_part, domain = address.split("@")
    return LoggedAddress(address, local_part, domain)


def expected_texts(run: str, record: dict, selector: LogSelector) -> dict[str, list[str]]:
    """The text pyexim writes for each step's events, in Exim's order."""
    ids = record["ids"]
    header, body = spooled(run, "smtp-in")
    smtp_in = reception_from_spool(header, body, pipelining=(True, False, True, False),
                                   body_8bitmime=8, raw_recipients=LOG_RECIPIENTS)
    sender = "bounce@client.example"
    local = dict(sender=sender, return_path=sender, transport="local_maildir",
                 router="maildir_users")
    capture = dict(sender=sender, return_path=sender, transport="capture_mbox",
                   router="capture_remote")
    bounce_line = next(line for line in record["steps"]["deliver"] if " <= <> " in line)
    _, bounce_id, bounce_text = split(bounce_line)
    bounce_size = int(re.search(r" S=(\d+)", bounce_text).group(1))  # type: ignore[union-attr]
    sizes = [int(s) for s in re.findall(r" (?:=>|->|\*>) .* S=(\d+)",
                                        "\n".join(record["steps"]["deliver"]))]
    bounce = Reception(sender="", message_reference=ids["smtp-in"], size=bounce_size,
                       host=PeerHost(ident="Debian-exim"), protocol="local",
                       message_id_header=f"{external_id(bounce_id)}@oracle.test",
                       message_id_created=True, receive_time=0.0,
                       subject="Mail delivery failed: returning message to sender",
                       raw_recipients=(sender,))
    local_header, local_body = spooled(run, "local-in")
    local_in = reception_from_spool(
        local_header, local_body, host=PeerHost(ident="root"),
        message_id_header=f"{external_id(ids['local-in'])}@oracle.test", message_id_created=True)
    remote = _remote_steps(run, record, selector)
    host = PeerHost(address="192.0.2.7", port=4321, name="client.example",
                    helo="client.example", ident="identd-user", interface_address="127.0.0.1",
                    interface_port=25)
    reject = dict(sender="spammer@client.example", authenticator="plain_server",
                  auth_id="auth-id-7")
    freeze_id = ids["freeze-in"]
    freeze_header, freeze_body = spooled(run, "freeze-in")
    queued = dict(driver_kind=" transport", router="relay_dead", transport="remote_smtp")
    tls_header, tls_body = spooled(run, "tls-in")
    assert tls_header.tls_cipher is not None
    tls_in = reception_from_spool(
        tls_header, tls_body, pipelining=(True, False, True, False),
        tls=TlsIn(tls_header.tls_cipher, certificate_verified=tls_header.tls_certificate_verified,
                  peerdn=tls_header.tls_peerdn))
    bdat_header, bdat_body = spooled(run, "bdat-in")
    bdat_in = reception_from_spool(
        bdat_header, bdat_body, host=PeerHost(ident="root"), chunking=True,
        pipelining=(True, False, False, False),
        message_id_header=f"{external_id(ids['bdat-in'])}@oracle.test", message_id_created=True)
    return {
        **remote,
        "bdat-in": [reception_line(bdat_in, selector)],
        "tls-in": [reception_line(tls_in, selector)],
        "freeze-in": [reception_line(reception_from_spool(
            freeze_header, freeze_body, host=PeerHost(ident="root"),
            message_id_header=f"{external_id(freeze_id)}@oracle.test",
            message_id_created=True), selector)],
        "freeze": [
            frozen_by_line("root"), queue_run_line(True, _queue_run_pid(record)),
            MESSAGE_IS_FROZEN,
            deferral_line(Delivery(plain_address("deferme@oracle.test"), driver_kind="routing",
                                   errno=-52, message="retry time not reached"), selector),
            deferral_line(Delivery(plain_address("carol@relay.test"), errno=-54,
                                   message="retry time not reached for any host for "
                                           "'relay.test'", **queued), selector),
            queue_run_line(False, _queue_run_pid(record)), unfrozen_by_line("root")],
        "smtp-in": [reception_line(smtp_in, selector)],
        "deliver": [
            deferral_line(Delivery(plain_address("deferme@oracle.test"), router="aliases",
                                   driver_kind=" router", errno=-1,
                                   message="Try again later (oracle)"), selector),
            failure_line(Delivery(plain_address("bouncer@oracle.test"), sender=sender,
                                  router="aliases",
                                  message="No such person at this address (oracle)"), selector),
            delivery_line(Delivery(local_address("alice@oracle.test", "postmaster@oracle.test"),
                                   size=sizes[0], **local), selector),  # type: ignore[arg-type]
            delivery_line(Delivery(local_address("bob@oracle.test"), size=sizes[1],
                                   **local), selector),  # type: ignore[arg-type]
            delivery_line(Delivery(local_address("a@capture.test"), size=sizes[2],
                                   **capture), selector),  # type: ignore[arg-type]
            delivery_line(Delivery(local_address("b@capture.test"), size=sizes[3], logchar="-",
                                   **capture), selector),  # type: ignore[arg-type]
            deferral_line(Delivery(plain_address("carol@relay.test"), router="relay_dead",
                                   transport="remote_smtp", driver_kind=" transport",
                                   errno=111), selector),
            reception_line(bounce, selector),
            delivery_line(Delivery(local_address(sender), sender="", return_path="",
                                   transport="capture_mbox", router="capture_remote",
                                   size=sizes[4]), selector),
            completed_line(0.0, selector),
        ],
        "local-in": [reception_line(local_in, selector)],
        "fake-delivery": [
            delivery_line(Delivery(local_address("alice@oracle.test"), logchar="*",
                                   sender="local@oracle.test", return_path="local@oracle.test",
                                   transport="local_maildir", router="maildir_users"),
                          selector),
            completed_line(0.0, selector)],
        "rejects": [
            acl_reject_line("rcpt", host, selector, command_data="<blocked@oracle.test>",
                            log_message="Blocked by spool golden ACL", **reject),
            acl_reject_line("data", host, selector,
                            log_message="Subject SPAMTEST is not welcome", **reject)],
    }


def _queue_run_pid(record: dict) -> int:
    line = next(line for line in record["steps"]["freeze"] if "Start queue run" in line)
    return int(line.rsplit("=", 1)[1])


def _remote_steps(run: str, record: dict, selector: LogSelector) -> dict[str, list[str]]:
    """Deliveries to the oracle's SMTP sink: accepted (250), deferred (451), failed (550)."""
    ids = record["ids"]
    steps = record["steps"]
    sink = HostUsed("127.0.0.1", "127.0.0.1", port=2526)
    out: dict[str, list[str]] = {}
    for code in (250, 451, 550):
        header, body = spooled(run, f"remote-{code}-in")
        out[f"remote-{code}-in"] = [reception_line(reception_from_spool(
            header, body, host=PeerHost(ident="root"), pipelining=(True, False, False, False),
            message_id_header=f"{external_id(ids[f'remote-{code}-in'])}@oracle.test",
            message_id_created=True), selector)]
        text = "\n".join(steps[f"remote-{code}"])
        port = re.search(r" I=\[127\.0\.0\.1\]:(\d+)", text)
        common = dict(sender="remote@client.example", return_path="remote@client.example",
                      router="relay_dead", transport="remote_smtp", local_transport=False,
                      transport_driver="smtp", host_used=sink, sending_ip="127.0.0.1",
                      sending_port=int(port.group(1)) if port else 0)
        if code == 250:
            sizes = [int(x) for x in re.findall(r" S=(\d+)", text)]
            out["remote-250"] = [
                delivery_line(Delivery(plain_address(address), logchar=char, size=size,
                                       pipelining=True, confirmation="250 OK queued by sink",
                                       **common), selector)  # type: ignore[arg-type]
                for address, char, size in (("r1@relay.test", "=", sizes[0]),
                                            ("r2@relay.test", "-", sizes[1]))]
            out["remote-250"].append(completed_line(0.0, selector))
        elif code == 451:
            out["remote-451"] = [deferral_line(Delivery(
                plain_address("r3@relay.test"), driver_kind=" transport", errno=-44,
                message="SMTP error from remote mail server after RCPT TO:<r3@relay.test>: "
                        "451 sink: try again later", **common), selector)]  # type: ignore[arg-type]
        else:
            bounce_line = next(line for line in steps["remote-550"] if " <= <> " in line)
            _, bounce_id, bounce_text = split(bounce_line)
            bounce = Reception(
                sender="", message_reference=ids["remote-550-in"],
                size=int(re.search(r" S=(\d+)", bounce_text).group(1)),  # type: ignore[union-attr]
                host=PeerHost(ident="Debian-exim"), protocol="local",
                message_id_header=f"{external_id(bounce_id)}@oracle.test",
                message_id_created=True, receive_time=0.0,
                subject="Mail delivery failed: returning message to sender",
                raw_recipients=("remote@client.example",))
            bounce_delivery = re.search(r"=> remote .* S=(\d+)", text)
            out["remote-550"] = [
                failure_line(Delivery(
                    plain_address("r4@relay.test"),
                    message="SMTP error from remote mail server after RCPT TO:<r4@relay.test>: "
                            "550 sink: no such user here", **common), selector),  # type: ignore[arg-type]
                reception_line(bounce, selector),
                completed_line(0.0, selector),
                delivery_line(Delivery(local_address("remote@client.example"), sender="",
                                       return_path="", transport="capture_mbox",
                                       router="capture_remote",
                                       size=int(bounce_delivery.group(1))),  # type: ignore[union-attr]
                              selector),
                completed_line(0.0, selector)]
    return out


# Lines of other kinds (arguments, SMTP connection, the transport's own connection
# message) that these tests do not rebuild.
_OTHER = re.compile(r"^(cwd=|SMTP connection|H=127\.0\.0\.1 |exim 4\.96 daemon started)")


@pytest.mark.parametrize("run", RUNS)
def test_lines_match_exim(run: str) -> None:
    record, selector = load_run(run)
    expected = expected_texts(run, record, selector)
    for step, lines in record["steps"].items():
        texts = [split(line)[2] for line in lines if not _OTHER.match(split(line)[2])]
        ours = [_TIMES.sub(r" \1=T", text) for text in expected[step]]
        # Lines of several processes interleave (a bounce is received while its parent
        # finishes), so compare as multisets.
        assert sorted(ours) == sorted(texts), step


@pytest.mark.parametrize("run", RUNS)
def test_framing_matches_exim(run: str) -> None:
    record, selector = load_run(run)
    for lines in record["steps"].values():
        for line in lines:
            stamp, message_id, _ = split(line)
            rest = line[len(stamp) + 1:]
            pid_match = re.match(r"\[(\d+)\] ", rest)
            pid = int(pid_match.group(1)) if pid_match else None
            assert (pid is not None) == ("pid" in selector)
            text = rest[pid_match.end() if pid_match else 0:]
            if message_id:
                text = text[len(message_id) + 1:]
            when = calendar.timegm(tuple(int(x) for x in re.split(r"[-: .]", stamp)[:6])
                                   + (0, 0, 0))  # type: ignore[arg-type]
            millis = int(stamp[-3:]) / 1000 if "millisec" in selector else 0.0
            ours = frame(text, timestamp=log_timestamp(when + millis + 0.0001, utc=True,
                                                       millisec="millisec" in selector),
                         pid=pid, message_id=message_id)
            assert ours == line + "\n"


@pytest.mark.parametrize("run", RUNS)
def test_rejectlog_header_dump_matches_exim(run: str) -> None:
    record, _ = load_run(run)
    rejectlog = record["rejectlog"]
    after_data = rejectlog.split("\n", 2)[2]             # the lines after the two rejections
    received = after_data[after_data.index("P ") + 2:after_data.index("  Subject:")]
    details = rejectlog_details("spammer@client.example", ["alice@oracle.test", "bob@oracle.test"],
                                [HeaderLine(received, "P"), HeaderLine("Subject: SPAMTEST offer\n")])
    assert details == after_data


def test_envelope_to_lists_five_then_dots() -> None:
    text = rejectlog_details("s@x", [f"r{i}@x" for i in range(7)], [])
    assert text.splitlines() == ["Envelope-from: <s@x>", "Envelope-to: <r0@x>", "    <r1@x>",
                                 "    <r2@x>", "    <r3@x>", "    <r4@x>", "    ..."]


def test_msglog_reception_line() -> None:
    rec = Reception(sender="a@b", size=10, host=PeerHost(ident="root"), protocol="local",
                    raw_recipients=("c@d",))
    assert reception_msglog(rec, LogSelector.parse("+received_recipients")) == (
        "Received from a@b U=root P=local S=10")


@pytest.mark.parametrize("address,all_parents,success,text", [
    (LoggedAddress("a@b", "a", "b"), False, True, "a@b"),
    (LoggedAddress("a@b", "a", "b", parents=("list@b",)), False, True, "a@b <list@b>"),
    (LoggedAddress("a@b", "a", "b", parents=("mid@b", "list@b")), False, True,
     "a@b <list@b>"),
    (LoggedAddress("a@b", "a", "b", parents=("mid@b", "list@b")), True, True,
     "a@b (mid@b) <list@b>"),
    (LoggedAddress("/tmp/f", "/tmp/f", None, parents=("u@b",), pfr=True, is_file=True),
     False, True, "/tmp/f <u@b>"),
    (LoggedAddress("f", "f", None, parents=("u@b",), pfr=True, is_file=True), False, True,
     "save f <u@b>"),
    (LoggedAddress("A@b", "A", "b", parents=("a@B",)), False, True, "A@b <a@B>"),
    (LoggedAddress("a@B", "a", "B", parents=("a@b",)), False, True, "a@B"),
    (LoggedAddress("c@r", "c", "r", parents=("team@x",), onetime_parent="team@x"), False, False,
     "c@r <team@x>"),
])
def test_log_address_forms(address: LoggedAddress, all_parents: bool, success: bool,
                           text: str) -> None:
    assert address.text(all_parents=all_parents, success=success) == text


def test_subject_is_quoted_and_limited_to_100_bytes() -> None:
    rec = Reception(sender="a@b", size=1, subject='say "hi" \\ ' + "x" * 200)
    line = reception_line(rec, LogSelector.parse("+subject"))
    quoted = line.split(" T=", 1)[1]
    assert quoted.startswith('"say \\"hi\\" \\\\ x') and len(encode(quoted)) == 100 + 2 + 3


def test_msglog_lines_match_exim() -> None:
    """The smtp-in message's msglog after its first delivery attempt (default selector)."""
    run = "log-default"
    record, selector = load_run(run)
    exim_lines = (GOLDEN / run / "messages" / "smtp-in-msglog").read_text().splitlines(True)
    stamps = [line[:23] for line in exim_lines]
    header, body = spooled(run, "smtp-in")
    reception = reception_from_spool(header, body)
    sender = "bounce@client.example"
    local = {"sender": sender, "return_path": sender, "transport": "local_maildir"}
    capture = {"sender": sender, "return_path": sender, "transport": "capture_mbox"}
    ours = [
        f"{stamps[0]} {reception_msglog(reception, selector)}\n",
        deferral_msglog(Delivery(plain_address("deferme@oracle.test"), router="aliases",
                                 driver_kind=" router", errno=-1,
                                 message="Try again later (oracle)"), selector, stamps[1]),
        failure_msglog(Delivery(plain_address("bouncer@oracle.test"), sender=sender,
                                router="aliases", driver_kind=" router",
                                message="No such person at this address (oracle)"),
                       selector, stamps[2]),
        delivery_msglog(Delivery(plain_address("alice@oracle.test"), **local), stamps[3],
                        parent="postmaster@oracle.test"),
        children_complete_msglog("postmaster@oracle.test", stamps[4]),
        delivery_msglog(Delivery(plain_address("bob@oracle.test"), **local), stamps[5]),
        delivery_msglog(Delivery(plain_address("a@capture.test"), **capture), stamps[6]),
        delivery_msglog(Delivery(plain_address("b@capture.test"), **capture), stamps[7]),
        exim_lines[8],                  # the smtp transport's own connection message
        deferral_msglog(Delivery(plain_address("carol@relay.test"), router="relay_dead",
                                 transport="remote_smtp", driver_kind=" transport",
                                 errno=111), selector, stamps[9]),
    ]
    assert [_TIMES.sub(r" \1=T", line) for line in ours] == [
        _TIMES.sub(r" \1=T", line) for line in exim_lines]
    freeze = (GOLDEN / run / "messages" / "freeze-in-msglog").read_text()
    assert freeze.splitlines()[0][23:] == " Received from cold@oracle.test U=root P=local S=303 " \
        'T="to be frozen"'


def test_routing_failure_msglog_names_the_stage() -> None:
    d = Delivery(plain_address("x@y"), driver_kind="routing", message="Unrouteable address")
    assert failure_msglog(d, LogSelector(), "T") == "T routing failed for x@y: Unrouteable address\n"
