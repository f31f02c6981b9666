"""The router chain's building blocks (pyexim.routers.chain, item, base): affixes, address
splitting, the passwd source, outcome values, require_files. Whole routing is checked
against real Exim by test_corpus_goldens.py and test_replay.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyexim.routers.base import Accept, Decline, Defer, PasswdEntry, PasswdFile
from pyexim.routers.chain import RoutingEnv
from pyexim.routers.item import AddressItem
from pyexim.routers.preconditions import check_prefix, check_suffix
from pyexim.taint import Tainted, is_tainted


@pytest.mark.parametrize(("local_part", "prefixes", "expected"), [
    ("abc-def", "*-", (4, 3)),
    ("a-b-c", "*-", (4, 3)),
    ("pre+x", "pre+", (4, 0)),
    ("PRE+x", "pre+", (4, 0)),
    ("owner-", "owner-", (6, 0)),
    ("ow", "owner-", (0, 0)),
    ("xy", "*-", (0, 0)),
    ("list-x", "x- : list-", (5, 0)),
], ids=["wild", "wild-rightmost", "fixed", "caseless", "whole", "short", "none", "list"])
def test_prefixes(local_part: str, prefixes: str, expected: tuple[int, int]) -> None:
    assert check_prefix(local_part, prefixes) == expected


@pytest.mark.parametrize(("local_part", "suffixes", "expected"), [
    ("x+tag", "+*", (4, 3)),
    ("a+b+c", "+*", (4, 3)),
    ("x-sfx", "-sfx", (4, 0)),
    ("x-SFX", "-sfx", (4, 0)),
    ("-sfx", "-sfx", (0, 0)),
    ("x", "+*", (0, 0)),
    ("x+", "+*", (1, 0)),
], ids=["wild", "wild-leftmost", "fixed", "caseless", "must-leave-something", "none",
        "empty-wild"])
def test_suffixes(local_part: str, suffixes: str, expected: tuple[int, int]) -> None:
    assert check_suffix(local_part, suffixes) == expected


@pytest.mark.parametrize(("address", "local_part", "domain"), [
    ("User@Example.COM", "User", "example.com"),
    ('"a b"@x.example', "a b", "x.example"),
    ("a\\@b@x.example", "a@b", "x.example"),
    ("a@b@c.example", "a@b", "c.example"),
], ids=["case", "quoted", "escaped", "last-at"])
def test_split(address: str, local_part: str, domain: str) -> None:
    item = AddressItem(Tainted(address))
    assert item.split()
    assert (item.cc_local_part, item.domain) == (local_part, domain)
    assert item.lc_local_part == local_part.lower() == item.local_part
    assert is_tainted(item.domain) and is_tainted(item.cc_local_part)


def test_split_needs_a_domain() -> None:
    assert not AddressItem("nodomain").split()


def test_children_inherit_propagated_data() -> None:
    parent = AddressItem("a@x.example")
    parent.prop.address_data = "data"
    parent.prop.variables["v"] = "1"
    child = parent.child("b@y.example")
    child.prop.variables["v"] = "2"
    assert child.parent is parent and child.unique == "b@y.example"
    assert child.prop.address_data == "data"
    assert parent.prop.variables == {"v": "1"}
    assert child.original() is parent and child.ancestors() == [parent]


def test_passwd_file(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text("alice:x:1001:1002:Alice:/home/alice:/bin/sh\nbroken line\n"
                    "alice:x:1:1:Second:/:/bin/sh\n")
    source = PasswdFile(str(path))
    entry = source.getpwnam("alice")
    assert entry is not None
    assert (entry.uid, entry.gid, entry.dir, entry.gecos) == (1001, 1002, "/home/alice", "Alice")
    assert source.getpwnam("bob") is None


def test_outcomes_are_values() -> None:
    assert Defer("x") == Defer("x") != Defer("y")
    assert Accept() != Decline()
    assert Defer("x").code == "DEFER" and repr(Defer("x")) == "Defer('x')"


@pytest.mark.parametrize(("ids", "target", "ok"), [
    ((0, 0), (65534, 65534), True),
    ((102, 105), (102, 105), True),
    ((102, 105), (65534, 65534), False),
    ((102, 105), (102, 0), False),
], ids=["root", "same", "other", "other-group"])
def test_switching_users(ids: tuple[int, int], target: tuple[int, int], ok: bool) -> None:
    env = RoutingEnv(uid=ids[0], gid=ids[1])
    assert env.can_become(*target) is ok
    assert env.ids() == ids


def test_own_ids_by_default() -> None:
    assert RoutingEnv().ids() == (os.geteuid(), os.getegid())


def test_passwd_entry_repr() -> None:
    assert "alice" in repr(PasswdEntry("alice", 1, 2, "", "/h", "/bin/sh"))
