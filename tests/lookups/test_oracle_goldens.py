"""Lists and lookups against real Exim 4.96: each case of oracle_cases, evaluated through
pyexim's Python API (``lookup``/``search``, ``match_*``, ``quote``), must give what Exim
printed (oracle_goldens.json, made by make_oracle_goldens.py).

The API does not contain the ``${lookup}``/``${if}`` syntax, so ``api_result`` renders
its outcomes the way those expansion items do (the same ``Y[...]``/``N`` templates, and
Exim's wording for the errors that the expansion item itself adds). When pyexim's
``expand_string`` exists, the same expansions are also run through it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyexim.lists import (ListPanic, SimpleListContext, in_list, match_address, match_domain,
                          match_host, match_ip, match_local_part)
from pyexim.lookups import (LookupContext, LookupDefer, LookupFailed, LookupSyntaxError,
                            parse_lookup_type, quote, search, split_query)
from pyexim.resolver import Resolver
from tests.conftest import needs_oracle
from tests.dnsfake import FakeZone
from tests.lookups import oracle_cases as oc
from tests.lookups.make_oracle_goldens import build_files

GOLDENS = json.loads((Path(__file__).parent / "oracle_goldens.json").read_text("utf-8"))
CASES = [(tuple(c["case"]), c["result"]) for c in GOLDENS["cases"]]
HAVE_DBMBUILD = shutil.which("exim_dbmbuild") is not None

# Where pyexim means to differ from Exim, and what it gives instead.
KNOWN_DIFFERENCES: dict[tuple[str | None, ...], tuple[str, str]] = {
    ("lookup", "json", "x", "@DIR@/aliases"):
        ("json is a pyexim extension (Debian's Exim lacks it)", "N"),
    ("lookup", "testdb", None, "x"):
        ("testdb is a pyexim extension (Exim's test suite builds it in)", "Y[x]"),
    ("domain", "x", "testdb;something"):
        ("testdb is a pyexim extension", "Y[something][x][][]"),
    ("lookup", "dbm", "alice", "@DIR@/aliases"):
        ("Exim reports a stale errno; pyexim names the problem",
         "Failed: failed to open @DIR@/aliases as a db (v4.1+) file: "
         "unexpected file type or format"),
}


@dataclass
class NamedList:
    """A stand-in for pyexim.config.model.NamedList."""

    kind: str
    name: str
    value: str
    cached: bool


def _expansion_engine() -> Any:
    """pyexim.expand's ``expand_string`` once it is there (with its error classes)."""
    try:
        from pyexim.expand import (ExpansionContext, ExpansionError,  # noqa: F401
                                   ForcedFail, expand_string)
    except ImportError:
        return None
    return lambda text: expand_string(text, ExpansionContext())


def _needs_expansion(case: tuple[str | None, ...]) -> bool:
    """Does the case use a list (or named list) that must be expanded when used?"""
    texts = [str(case[2])] + [value for lists in oc.NAMED.values()
                              for name, value in lists.items() if f"+{name}" in str(case[2])]
    if case[0] == "lookup":
        return str(case[1]).startswith("wildlsearch")   # its file has keys to expand
    return case[0] in ("domain", "local", "address", "ip", "host") and any(
        "$" in t or "\\" in t for t in texts)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimpleListContext, str]:
    directory = tmp_path_factory.mktemp("oracle-cases")
    build_files(directory, with_dbm=HAVE_DBMBUILD)
    hosts = directory / "hosts-file"
    hosts.write_text(oc.HOSTS)
    resolver = Resolver(query=FakeZone(dict(oc.ZONE), set(oc.SERVFAIL)).answer,
                        hosts_file=str(hosts))
    lookups = LookupContext(resolver=resolver, primary_hostname=oc.PRIMARY_HOSTNAME,
                            interfaces=["127.0.0.1", "::1"])
    named = {kind: {name: NamedList(kind, name, value.replace("@DIR@", str(directory)),
                                    "$" not in value)
                    for name, value in lists.items()}
             for kind, lists in oc.NAMED.items()}
    return SimpleListContext(named, lookups, _expansion_engine()), str(directory)


def api_result(case: tuple[str | None, ...], ctx: SimpleListContext, directory: str) -> str:
    """What the ``-be`` expansion of *case* prints, computed through the Python API."""
    fix = (lambda t: t.replace("@DIR@", directory)) if directory else (lambda t: t)
    op = case[0]
    try:
        if op == "lookup":
            return _lookup_result(case, ctx, fix)
        if op == "quote":
            assert case[1] is not None and case[2] is not None
            return quote(case[1], case[2])
        subject, list_text = fix(case[1] or ""), fix(case[2] or "")
        if op in ("inlist", "inlisti"):
            found = in_list(subject, list_text, caseless=op == "inlisti")
            return "N" if found is None else f"Y[{found}]"
        if op == "host":
            # an ACL's "hosts =": the list is expanded, the client's name found on demand
            res = match_host(subject, list_text, ctx, expand=True)
            return "DEFER" if res.deferred else "Y" if res.matched else "N"
        if op == "domain":
            res = match_domain(subject, list_text, ctx)
        elif op == "local":
            res = match_local_part(subject, list_text, ctx, caseless=True)
        elif op == "address":
            res = match_address(subject, list_text, ctx)
        else:
            res = match_ip(subject, list_text, ctx)
    except LookupSyntaxError as exc:
        return f"Failed: {exc.message}"
    except ListPanic as exc:
        return f"PANIC: {exc.message}"
    if res.deferred:
        # ${if match_...} shows Exim's search_error_message ("NULL" when unset); the
        # clearer reason is in res.message (tests/test_lists.py checks it).
        shown = "NULL" if res.search_error is None else res.search_error
        return f'Failed: unable to complete match against "{list_text}": {shown}'
    if not res.matched:
        return "N"
    out = f"Y[{res.value or ''}]"
    if op in ("domain", "local"):
        caps = list(res.captures) + ["", "", ""]
        out += f"[{caps[0]}][{caps[1]}][{caps[2]}]"
    return out


def _lookup_result(case: tuple[str | None, ...], ctx: SimpleListContext, fix: Any) -> str:
    _, ltype, key, source = case
    assert ltype is not None and source is not None
    spec = parse_lookup_type(fix(ltype))
    if spec.single_key and key is None:
        return f'Failed: missing {{key}} for single-key "{ltype}" lookup'
    if not spec.single_key and key is not None:
        return (f'Failed: a single key was given for lookup type "{ltype}", which is not '
                "a single-key lookup type")
    source = fix(source)
    try:
        result = search(spec, key, source, ctx.lookup_context, expand=ctx.expand)
    except LookupFailed as exc:
        return f"Failed: {exc.message}"
    except LookupDefer as exc:
        shown = key if key is not None else split_query(spec, source)[1]
        return f'Failed: lookup of "{shown}" gave DEFER: {exc.message}'
    if result.data is None:
        return "N"
    if key is None:
        return f"Y[{result.data}]"
    wild = list(result.wild) + ["", ""]
    return f"Y[{result.data}][{wild[0]}][{wild[1]}]"


def _expected(case: tuple[str | None, ...], golden: str) -> str:
    known = KNOWN_DIFFERENCES.get(case)
    return known[1] if known else golden


def _needs_dbm(case: tuple[str | None, ...]) -> bool:
    return case[0] == "lookup" and str(case[1]).startswith("dbm") and ".db" in str(case[3])


@pytest.mark.parametrize("case,golden", CASES, ids=[oc.case_id(i, c) for i, (c, _) in
                                                   enumerate(CASES)])
def test_api_matches_exim(case: tuple[str | None, ...], golden: str,
                          env: tuple[SimpleListContext, str]) -> None:
    ctx, directory = env
    if _needs_dbm(case) and not HAVE_DBMBUILD:
        pytest.skip("exim_dbmbuild is not installed: no Berkeley DB files to read")
    if _needs_expansion(case) and _expansion_engine() is None:
        pytest.skip("this case's list needs pyexim's expansion engine, not there yet")
    got = api_result(case, ctx, directory)
    assert got.replace(directory, "@DIR@") == _expected(case, golden)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 200
    assert {c[0] for c, _ in CASES} == {"lookup", "domain", "local", "address", "ip", "inlist",
                                        "inlisti", "quote", "host"}


def test_goldens_are_for_the_table() -> None:
    """The committed goldens were made from this very table (regenerate if not)."""
    assert [c for c, _ in CASES] == [tuple(c) for c in oc.CASES]
    assert [g["expansion"] for g in GOLDENS["cases"]] == [oc.expansion(c) for c in oc.CASES]


def _expand_string() -> Any:
    try:
        from pyexim.expand import ExpansionContext, expand_string  # noqa: F401
    except ImportError:
        return None
    return expand_string


@pytest.mark.skipif(_expand_string() is None, reason="pyexim.expand.expand_string not there yet")
@pytest.mark.parametrize("case,golden", CASES, ids=[oc.case_id(i, c) for i, (c, _) in
                                                   enumerate(CASES)])
def test_expand_string_matches_exim(case: tuple[str | None, ...], golden: str,
                                    env: tuple[SimpleListContext, str]) -> None:
    """The same expansions through pyexim's expansion engine (when it exists)."""
    from pyexim.expand import ExpansionContext, ExpansionError, ForcedFail, expand_string
    ctx, directory = env
    if _needs_dbm(case) and not HAVE_DBMBUILD:
        pytest.skip("exim_dbmbuild is not installed")
    if case[0] == "host":
        pytest.skip("an -bh case: there is no expansion to run")
    ectx = ExpansionContext(named_lists=ctx.named_lists, lookup_context=ctx.lookup_context)
    ectx.values["primary_hostname"] = oc.PRIMARY_HOSTNAME
    text = oc.expansion(case).replace("@DIR@", directory)
    try:
        got = expand_string(text, ectx)
    except ForcedFail as exc:
        got = f"Failed: {exc}"
    except ExpansionError as exc:
        got = f"Failed: {exc}"
    except ListPanic as exc:
        got = f"PANIC: {exc.message}"
    assert got.replace(directory, "@DIR@") == _expected(case, golden)


@needs_oracle
def test_goldens_are_current(tmp_path: Path) -> None:
    """Real Exim still says what the goldens say, for the first cases (lsearch, no DNS)."""
    import subprocess

    from tests.lookups.make_oracle_goldens import normalise
    directory = tmp_path / "d"
    directory.mkdir()
    tmp_path.chmod(0o755)
    build_files(directory, with_dbm=False)
    conf = tmp_path / "exim.conf"
    conf.write_text(oc.oracle_config(str(directory)))
    oracle = Path(__file__).resolve().parents[3] / "shared" / "oracle" / "exim-oracle"
    for case, golden in CASES[:12]:
        proc = subprocess.run([str(oracle), str(conf), "-be",
                               oc.expansion(case).replace("@DIR@", str(directory))],
                              capture_output=True, timeout=60)
        assert normalise(proc.returncode, proc.stdout.decode("latin-1"),
                         proc.stderr.decode("latin-1"), str(directory)) == golden
