"""Where session log lines go: LOG: lines under -bh, as Exim shows them."""

from __future__ import annotations

from pyexim.log.selector import LogSelector
from pyexim.receive.logsink import SessionLog


def _lines(selector: str | None, **kwargs: object) -> list[str]:
    out: list[str] = []
    log = SessionLog(LogSelector.parse(selector), testing=True, stderr=out.append,
                     clock=lambda: 1_700_000_000.25, pid=4242, utc=True,
                     **kwargs)  # type: ignore[arg-type]
    log.write("first")
    log.message_id = "1xW9Z5-0007ZC-1A"
    log.write("second", reject=True)
    log.write("skipped", selector="smtp_connection")
    return out


def test_testing_lines_drop_the_timestamp_and_carry_the_id() -> None:
    assert _lines(None) == ["LOG: first\n", "LOG: 1xW9Z5-0007ZC-1A second\n"]


def test_pid_and_millisec_stay_as_exim_leaves_them() -> None:
    assert _lines("+pid +millisec") == ["LOG: 250 [4242] first\n",
                                         "LOG: 250 [4242] 1xW9Z5-0007ZC-1A second\n"]


def test_selector_and_debug() -> None:
    assert _lines("+smtp_connection")[-1] == "LOG: 1xW9Z5-0007ZC-1A skipped\n"
    assert _lines(None, debug=True) == []
