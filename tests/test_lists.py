"""pyexim.lists: list splitting, every item form, negation, named lists and their cache,
host lists with names, deferral. (The cases checked against real Exim are in
tests/lookups/test_oracle_goldens.py; these cover what -be cannot show.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pyexim.lists import (SINGLE_ITEM, ListCache, ListPanic, SimpleListContext, in_list,
                          list_items, match_address, match_domain, match_host, match_ip,
                          match_local_part, match_string_list)
from pyexim.lookups import LookupContext
from pyexim.resolver import HostNames, Resolver
from tests.dnsfake import FakeZone


@dataclass
class NL:
    value: str
    cached: bool = True


ZONE = {
    ("mail.example.com", "A"): ["192.0.2.10"],
    ("mail.example.com", "AAAA"): ["2001:db8::10"],
    ("10.2.0.192.in-addr.arpa", "PTR"): ["mail.example.com."],
    ("20.2.0.192.in-addr.arpa", "PTR"): ["spoof.example.com."],
    ("spoof.example.com", "A"): ["192.0.2.99"],
    ("me.example.com", "A"): ["127.0.0.1"],
    ("local.example", "MX"): ["10 me.example.com."],
}


@pytest.fixture
def lookups(tmp_path: Path) -> LookupContext:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    resolver = Resolver(query=FakeZone(dict(ZONE), {"broken.example"}).answer,
                        hosts_file=str(hosts))
    return LookupContext(resolver=resolver, primary_hostname="me.example.com",
                         interfaces=["127.0.0.1", "::1"])


@pytest.fixture
def ctx(lookups: LookupContext, tmp_path: Path) -> SimpleListContext:
    (tmp_path / "table").write_text("alice: data for alice\n192.0.2.10: ip data\n")
    named = {
        "domain": {"local": NL("example.org : *.example.net"),
                   "withlookup": NL(f"lsearch;{tmp_path}/table"),
                   "outer": NL("+local : other.test")},
        "host": {"relay": NL("127.0.0.1 : 192.0.2.0/24"),
                 "names": NL("*.example.com")},
        "address": {"senders": NL("*@example.org")},
        "localpart": {"users": NL("alice : bob")},
    }
    return SimpleListContext(named, lookups)


@pytest.mark.parametrize("text,sep,items", [
    ("a:b:c", None, ["a", "b", "c"]),
    (" a : b ", None, ["a", "b"]),
    ("a::b:c", None, ["a:b", "c"]),
    ("a:", None, ["a"]),
    (":a", None, ["", "a"]),
    ("a::", None, ["a:"]),
    ("::a", None, [":a"]),
    ("a : : b", None, ["a", "", "b"]),
    ("<; a;b ; c:d", None, ["a", "b", "c:d"]),
    ("<;a;;b", None, ["a;b"]),
    ("<\n a\n b", None, ["a", "b"]),
    ("<\na\n\nb", None, ["a", "", "b"]),       # a control separator is never doubled
    ("<a:b", None, ["<a", "b"]),               # "<" + letter is not a separator change
    ("<", None, []),
    ("", None, []),
    ("   ", None, []),
    ("a\\ : b", None, ["a\\ ", "b"]),           # escaped trailing space is kept
    ("a,b:c", ",", ["a", "b:c"]),
    (" a:b ", SINGLE_ITEM, ["a:b"]),
])
def test_list_items(text: str, sep: str | None, items: list[str]) -> None:
    assert list(list_items(text, sep)) == items


def test_in_list() -> None:
    assert in_list("b", "a : b") == "b"
    assert in_list("B", "a : b") is None
    assert in_list("B", "a : b", caseless=True) == "b"
    assert in_list("*", "a : *") == "*"      # plain comparison, no wildcards
    assert in_list("x", "*") is None


@pytest.mark.parametrize("subject,list_text,matched,value", [
    ("example.org", "+local", True, "example.org"),
    ("a.example.net", "+local", True, "*.example.net"),
    ("example.net", "+local", False, None),
    ("other.test", "+outer", True, "other.test"),
    ("example.org", "+outer", True, "example.org"),
    ("alice", "+withlookup", True, "data for alice"),
    ("x", "!+local", True, None),
    ("example.org", "!+local : *", False, "example.org"),
    ("me.example.com", "@", True, "me.example.com"),
    ("[127.0.0.1]", "@[]", True, "@[]"),
    ("local.example", "@mx_any", True, "@mx_any"),
    ("local.example", "@mx_primary", True, "@mx_primary"),
    ("local.example", "@mx_secondary", False, None),
])
def test_domain_items(ctx: SimpleListContext, subject: str, list_text: str, matched: bool,
                      value: str | None) -> None:
    res = match_domain(subject, list_text, ctx)
    assert (res.matched, res.value) == (matched, value)


def test_domain_captures(ctx: SimpleListContext) -> None:
    assert match_domain("a.b.example.net", "*.example.net", ctx).captures == (
        "a.b.example.net", "a.b")
    # a regex sees the subject as given (its (?-i) can then work): so do $0 and $1...
    assert match_domain("Abc.test", "^(a)(b)", ctx).captures == ("Abc.test", "A", "b")
    assert match_domain("x.test", "x.test", ctx).captures == ("x.test",)


def test_deferral_and_defer_flags(ctx: SimpleListContext) -> None:
    res = match_domain("broken.example", "@mx_any", ctx)
    assert res.deferred and not res.matched
    assert res.message == 'DNS lookup of "broken.example" deferred'


def test_named_list_cache(ctx: SimpleListContext, tmp_path: Path) -> None:
    cache = ListCache()
    first = match_domain("alice", "+withlookup", ctx, cache=cache)
    assert first.matched and first.value == "data for alice"
    # The file changes, but the cached answer for this subject stands (as Exim's bits do).
    (tmp_path / "table").write_text("nobody: x\n")
    again = match_domain("alice", "+withlookup", ctx, cache=cache)
    assert again.matched and again.value == "data for alice"
    assert cache.results[("domain", "withlookup")] is True
    # Without a cache the list is scanned again (the lookup cache still answers for
    # this run, as Exim's per-run lookup cache does).
    ctx.lookup_context.tidyup()
    assert not match_domain("alice", "+withlookup", ctx).matched


def test_uncacheable_named_list(ctx: SimpleListContext) -> None:
    ctx.named_lists["domain"]["dyn"] = NL("example.org", cached=False)  # type: ignore
    cache = ListCache()
    assert match_domain("example.org", "+dyn", ctx, cache=cache).matched
    assert ("domain", "dyn") not in cache.results
    ctx.named_lists["domain"]["wrap"] = NL("+dyn : x.test")  # type: ignore
    assert match_domain("example.org", "+wrap", ctx, cache=cache).matched
    assert ("domain", "wrap") not in cache.results   # a sublist made it uncacheable


def test_list_expansion(ctx: SimpleListContext) -> None:
    from pyexim.expand import ExpansionError, ForcedFail

    def expander(text: str) -> str:
        if "fail" in text:
            raise ForcedFail("forced")
        if "error" in text:
            raise ExpansionError("bad thing")
        return text.replace("$dom", "example.org")
    logged: list[tuple[str, bool]] = []
    ctx.expander = expander
    ctx.lookup_context.log = lambda m, p: logged.append((m, p))
    assert match_domain("example.org", "$dom", ctx, expand=True).matched
    assert not match_domain("example.org", "$dom", ctx).matched      # not expanded
    forced = match_domain("x", "${fail}", ctx, expand=True)
    assert not forced.matched and not forced.deferred
    error = match_domain("x", "${error}", ctx, expand=True)
    assert error.deferred
    assert error.message == 'failed to expand "${error}" while checking a list: bad thing'
    assert logged == [(error.message, True)]


@pytest.mark.parametrize("subject,list_text,caseless,matched", [
    ("Alice", "alice", False, False),
    ("Alice", "alice", True, True),
    ("alice", "+users", False, True),
    ("Alice", "+caseful : alice", True, False),
    ("Alice", "+caseful : Alice", True, True),
    ("a#b", "a#b", False, True),
])
def test_local_parts(ctx: SimpleListContext, subject: str, list_text: str, caseless: bool,
                     matched: bool) -> None:
    assert match_local_part(subject, list_text, ctx, caseless=caseless).matched == matched


@pytest.mark.parametrize("address,list_text,matched", [
    ("x@example.org", "+senders", True),
    ("X@Example.ORG", "x@example.org", True),
    ("x@a.example.net", "x@+local", True),
    ("x@other.test", "*@+local", False),
    ("user@example.org", "*er@example.org", True),
    ("user@example.org", "*xer@example.org", False),
])
def test_addresses(ctx: SimpleListContext, address: str, list_text: str,
                   matched: bool) -> None:
    assert match_address(address, list_text, ctx).matched == matched


def test_address_caseful_and_rewrite_captures(ctx: SimpleListContext) -> None:
    assert not match_address("X@y.test", "x@y.test", ctx, caseless=False).matched
    assert match_address("X@Y.TEST", "X@y.test", ctx, caseless=False).matched
    res = match_address("john@a.example.net", "*@*.example.net", ctx, expand_setup=0,
                        single_item=True)
    assert res.matched
    assert res.captures == ("john@a.example.net", "john", "a")


def test_address_file_comments(ctx: SimpleListContext, tmp_path: Path) -> None:
    f = tmp_path / "senders"
    f.write_text("# comment\nodd#name@x.test\nfine@x.test # comment\n")
    assert match_address("odd#name@x.test", str(f), ctx).matched
    assert match_address("fine@x.test", str(f), ctx).matched
    assert match_address("fine@x.test", str(f), ctx).value == "fine@x.test"


@pytest.mark.parametrize("address,list_text,matched", [
    ("192.0.2.10", "192.0.2.0/24", True),
    ("192.0.2.10", "!192.0.2.10 : *", False),
    ("192.0.2.10", "mail.example.com", True),          # forward lookup of the name
    ("2001:db8::10", "mail.example.com", True),
    ("192.0.2.11", "mail.example.com", False),
    ("192.0.2.10", "*.example.com", True),             # needs the client's name
    ("192.0.2.10", "+names", True),
    ("192.0.2.10", "+relay", True),
    ("192.0.2.20", "*.example.com", False),            # name does not verify: unknown
    ("192.0.2.20", "+include_unknown : *.example.com", True),
    ("192.0.2.20", "+ignore_unknown : *.example.com : 192.0.2.20", True),
    ("127.0.0.1", "@", True),                          # the primary name's address
    ("127.0.0.1", "@[]", True),
    ("127.0.0.1", "localhost", True),                  # the hosts file
    ("192.0.2.10", "nosuch.example", False),
    ("192.0.2.10", "+include_unknown : nosuch.example", True),
    ("", ":", True),                                   # local input matches ""
    ("", "*", True),
    ("", "192.0.2.1", False),
])
def test_hosts(ctx: SimpleListContext, address: str, list_text: str, matched: bool) -> None:
    assert match_host(address, list_text, ctx).matched == matched


def test_host_name_defer(ctx: SimpleListContext) -> None:
    res = match_host("192.0.2.10", "broken.example", ctx)
    assert res.deferred and res.message == 'DNS lookup of "broken.example" deferred'
    assert match_host("192.0.2.10", "+ignore_defer : broken.example : 192.0.2.10",
                      ctx).matched
    assert match_host("192.0.2.10", "+include_defer : broken.example", ctx).matched


def test_host_name_from_the_session(ctx: SimpleListContext) -> None:
    calls = []

    def lookup() -> HostNames:
        calls.append(1)
        return HostNames("ok", "client.example.org", ("alias.example.com",))
    assert match_host("192.0.2.77", "*.example.com", ctx, name_lookup=lookup).matched
    assert match_host("192.0.2.77", "^client\\.", ctx, name_lookup=lookup,
                      expand=False).matched
    assert not match_host("192.0.2.77", "client.*", ctx, name_lookup=lookup).matched
    assert calls == [1, 1, 1]
    assert match_host("192.0.2.77", "*.other", ctx, host_name="h.other").matched


def test_host_lookup_items(ctx: SimpleListContext, tmp_path: Path) -> None:
    assert match_host("192.0.2.10", f"lsearch;{tmp_path}/table", ctx).matched is False
    res = match_host("192.0.2.10", f"net-lsearch;{tmp_path}/table", ctx)
    assert res.matched and res.value == "ip data"
    assert match_ip("192.0.2.10", f"lsearch;{tmp_path}/table", ctx).value == "ip data"


def test_host_cache(ctx: SimpleListContext) -> None:
    cache = ListCache()
    assert match_host("192.0.2.5", "+relay", ctx, cache=cache).matched
    assert cache.results == {("host", "relay"): True}


def test_string_lists(ctx: SimpleListContext) -> None:
    assert match_string_list("TLS1.3:AES", "^TLS1\\.[23]", ctx).matched
    assert match_string_list("abc", "*bc", ctx).matched
    assert not match_string_list("abc", "+local", ctx).matched
    assert match_string_list("example.org", "+local", ctx, named_kind="domain").matched


@pytest.mark.parametrize("list_text,message", [
    ("nosuch;x", 'unknown lookup type "nosuch"'),
    ("lsearch;/nonexistent/file", "failed to open /nonexistent/file for linear search: "
                                  "No such file or directory"),
    ("^(", "regular expression error: missing closing parenthesis at offset 2 while "
           "compiling ^("),
    ("/nonexistent/list", 'failed to open /nonexistent/list when checking '
                          '"/nonexistent/list": No such file or directory'),
])
def test_panics(ctx: SimpleListContext, list_text: str, message: str) -> None:
    with pytest.raises(ListPanic) as info:
        match_domain("x", list_text, ctx)
    assert info.value.message == message


def test_panic_names_the_option(ctx: SimpleListContext) -> None:
    with pytest.raises(ListPanic, match="when checking local_domains"):
        match_domain("x", "/nonexistent/list", ctx, list_name="local_domains")


def test_unknown_named_list_is_logged(ctx: SimpleListContext) -> None:
    logged: list[tuple[str, bool]] = []
    ctx.lookup_context.log = lambda m, p: logged.append((m, p))
    res = match_address("a@b", "+nosuch", ctx)
    assert res.deferred
    assert logged == [('unknown named address list "+nosuch"', True)]


@pytest.mark.parametrize("list_text,search_error,message", [
    ("+nosuch", None, 'unknown named domain list "+nosuch"'),
    ("@mx_any", 'DNS lookup of "broken.example" deferred',
     'DNS lookup of "broken.example" deferred'),
    ("dnsdb;a=broken.example", "", ""),
    ("x@+nosuch", None, None),
])
def test_search_error_as_exim_shows_it(ctx: SimpleListContext, list_text: str,
                                       search_error: str | None, message: str | None) -> None:
    """``search_error`` is what ``${if match_...}`` prints (None: Exim prints NULL)."""
    if list_text.startswith("x@"):
        res = match_address("x@broken.example", list_text, ctx)
        assert res.search_error == 'DNS lookup of "x@+nosuch" deferred'
        assert res.message == 'unknown named domain list "+nosuch"'   # the real reason
        return
    res = match_domain("broken.example", list_text, ctx)
    assert res.deferred
    assert (res.search_error, res.message) == (search_error, message)


def test_tainted_lists_cannot_name_lookup_files(ctx: SimpleListContext, tmp_path: Path) -> None:
    """A list built from tainted data (e.g. expanded with $local_part) keeps its taint:
    its items cannot name lookup files (Exim panics: "Tainted filename for search")."""
    from pyexim.taint import Tainted, is_tainted
    table = f"{tmp_path}/table"
    assert all(is_tainted(item) for item in list_items(Tainted(f"a : lsearch;{table}")))
    assert match_domain("alice", f"lsearch;{table}", ctx).matched
    with pytest.raises(ListPanic, match=f"Tainted filename for search: '{table}'"):
        match_domain("alice", Tainted(f"lsearch;{table}"), ctx)
    with pytest.raises(ListPanic, match="Tainted filename for search"):
        match_host("192.0.2.10", Tainted(f"net-lsearch;{table}"), ctx)
