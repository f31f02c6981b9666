"""The lookups engineer's ``-bh`` oracle cases (tests/lookups/oracle_goldens.json, kind
"host") through a whole -bh session: a connect ACL ``accept hosts = LIST`` then deny, the
verdict read from the first reply (220 Y, 550 N, 451 DEFER) as real Exim's was. The
client's name comes from the same fake DNS zone and hosts file the goldens were made
with, so reverse lookups, +include_unknown and ``@[]`` go through the session's Client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pyexim.resolver import Resolver
from tests.acl.bh import run_bh
from tests.dnsfake import FakeZone
from tests.lookups import oracle_cases as oc
from tests.lookups.make_oracle_goldens import build_files
from tests.lookups.test_oracle_goldens import CASES

HOST_CASES = [(case, golden) for case, golden in CASES if case[0] == "host"]


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("host-cases")
    build_files(path, with_dbm=False)
    (path / "hosts-file").write_text(oc.HOSTS)
    return path


def test_there_are_host_cases() -> None:
    assert len(HOST_CASES) >= 20


@pytest.mark.parametrize("case,golden", HOST_CASES,
                         ids=[f"{c[1]}-{c[2]}"[:60] for c, _ in HOST_CASES])
def test_bh_session_gives_exims_verdict(case: tuple[str, str, str], golden: str,
                                        directory: Path, tmp_path: Path) -> None:
    conf = tmp_path / "host.conf"
    conf.write_text(oc.host_config(str(directory), case[2]))

    def prepare(ctx: Any) -> None:
        lookups = ctx.lookup_context
        lookups._resolver = Resolver(query=FakeZone(dict(oc.ZONE), set(oc.SERVFAIL)).answer,
                                     hosts_file=str(directory / "hosts-file"))
        lookups._interfaces = ["127.0.0.1", "::1"]

    stdout, _log = run_bh(conf, case[1], b"QUIT\r\n", prepare=prepare)
    assert oc.host_verdict(stdout) == golden, stdout
