"""Every option of Exim 4.96's source (reference/options-4.96.json) is in pyexim's tables or deliberately absent.

Absent means: Debian's exim4-daemon-heavy build leaves it out, so Exim calls it
unknown; each table module says so in its NOT_IN_BUILD dict, with the build
switch. Types and table order must match the C tables (order is what -bP prints).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyexim.auth import dovecot
from pyexim.auth.base import GENERIC_OPTIONS as AUTH_GENERIC
from pyexim.auth.registry import AUTHENTICATORS
from pyexim.auth.registry import NOT_IN_BUILD as AUTH_DRIVERS_NOT_BUILT
from pyexim.config.main_options import MAIN_OPTIONS
from pyexim.config.main_options import NOT_IN_BUILD as MAIN_NOT_BUILT
from pyexim.config.options import OptionTable
from pyexim.routers.base import GENERIC_OPTIONS as ROUTER_GENERIC
from pyexim.routers.base import NOT_IN_BUILD as ROUTER_NOT_BUILT
from pyexim.routers.registry import ROUTERS
from pyexim.transports import pipe, smtp
from pyexim.transports.base import GENERIC_OPTIONS as TRANSPORT_GENERIC
from pyexim.transports.registry import TRANSPORTS

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "options-4.96.json"

# Options Debian's build has that the upstream-derived reference does not list.
EXTRA = {"main": {"local_scan_path"}, "transport:appendfile": {"*expand_maildir_use_size_file"}}

# Transport drivers in Exim 4.96's source that Debian's build does not have.
TRANSPORT_DRIVERS_NOT_BUILT = {"queuefile": "EXPERIMENTAL_QUEUEFILE"}


def _reference() -> dict[str, list[dict[str, object]]]:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} not available")
    result: dict[str, list[dict[str, object]]] = json.loads(REFERENCE.read_text())
    return result


def _tables() -> list[tuple[str, OptionTable | None, dict[str, str]]]:
    """(reference table key, pyexim table or None when the driver is not built, NOT_IN_BUILD)."""
    tables: list[tuple[str, OptionTable | None, dict[str, str]]] = [
        ("main", MAIN_OPTIONS, MAIN_NOT_BUILT),
        ("router_generic", ROUTER_GENERIC, ROUTER_NOT_BUILT),
        ("transport_generic", TRANSPORT_GENERIC, {}),
        ("globals.c:optionlist_auths", AUTH_GENERIC, {}),
    ]
    for name in ROUTERS.drivers:
        tables.append((f"router:{name}_router_options", ROUTERS.private_options(name), {}))
    not_built = {"smtp": smtp.NOT_IN_BUILD, "pipe": pipe.NOT_IN_BUILD}
    for name in TRANSPORTS.drivers:
        tables.append((f"transport:{name}_transport_options", TRANSPORTS.private_options(name),
                       not_built.get(name, {})))
    for name in TRANSPORT_DRIVERS_NOT_BUILT:
        tables.append((f"transport:{name}_transport_options", None, {}))
    for name in AUTHENTICATORS.drivers:
        tables.append((f"auth:auth_{name}_options", AUTHENTICATORS.private_options(name),
                       dovecot.NOT_IN_BUILD if name == "dovecot" else {}))
    for name in AUTH_DRIVERS_NOT_BUILT:
        tables.append((f"auth:auth_{name}_options", None, {}))
    return tables


def test_every_reference_table_is_accounted_for() -> None:
    assert sorted(key for key, _table, _absent in _tables()) == sorted(_reference())


@pytest.mark.parametrize("key,table,absent", _tables(), ids=[t[0] for t in _tables()])
def test_table_matches_reference(key: str, table: OptionTable | None,
                                 absent: dict[str, str]) -> None:
    reference = _reference()[key]
    if table is None:
        return  # the whole driver is not built: its options are unknown with it
    extra = EXTRA.get(key.split("_router")[0].split("_transport")[0], set())
    expected = [entry["name"] for entry in reference if entry["name"] not in absent]
    ours = [opt.name for opt in table if opt.name not in extra]
    assert ours == expected
    assert set(absent) <= {entry["name"] for entry in reference}
    for entry in reference:
        opt = table.find(str(entry["name"]))
        if opt is None:
            continue
        assert opt.type.exim_type == entry["type"], opt.name
        assert opt.hidden == ("opt_hidden" in entry["flags"]), opt.name  # type: ignore[operator]
        repeat = ("con" if "opt_rep_con" in entry["flags"]  # type: ignore[operator]
                  else "str" if "opt_rep_str" in entry["flags"] else None)  # type: ignore[operator]
        assert opt.repeat == repeat, opt.name


@pytest.mark.parametrize("key,table,absent", _tables(), ids=[t[0] for t in _tables()])
def test_absent_options_are_not_in_tables(key: str, table: OptionTable | None,
                                          absent: dict[str, str]) -> None:
    if table is None:
        return
    for name in absent:
        assert table.find(name) is None


def test_unbuilt_drivers_are_not_registered() -> None:
    for name in TRANSPORT_DRIVERS_NOT_BUILT:
        assert TRANSPORTS.module(name) is None
    for name in AUTH_DRIVERS_NOT_BUILT:
        assert AUTHENTICATORS.module(name) is None


def test_defaults_parse_back_to_themselves() -> None:
    """A non-string default printed by -bP and read back gives the same value."""
    for opt in MAIN_OPTIONS:
        kind = opt.type.exim_type
        if opt.default is None or opt.type.is_boolean or kind in (
                "opt_stringptr", "opt_uid", "opt_gid"):
            continue
        if kind == "opt_fixed" and int(opt.default) < 0:  # type: ignore[call-overload]
            continue  # printed as "name =", which is not a value
        assert opt.type.parse(opt.type.format(opt.default, opt), opt) == opt.default, opt.name
