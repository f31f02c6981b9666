"""-bt and -bv on the 22 real-world configurations real Exim accepts, against its goldens.

tests/routers/goldens/corpus_bt.json comes from gen_corpus_goldens.py (real Exim 4.96 in
the oracle's namespaces). Here pyexim routes the same addresses in the same world: the
world's files rebuilt from the goldens (corpus_world.py explains the world), the
configuration rewritten the same way, the test DNS server serving tests/routers/dnszones,
host name "vm", users from the world's passwd file (RoutingEnv.passwd, with this runner's
uid for the test users who own files), its hosts file, loopback as the only interfaces.
stdout and the exit status must be byte for byte Exim's; so must stderr (debug_print
and log lines), with log time stamps ignored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dnsfixture import running_fake_dns
from tests.routers import corpus_world as cw

GOLDENS = json.loads(cw.GOLDENS.read_text()) if cw.GOLDENS.exists() else {"configs": {}}
_STAMP = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|TIMESTAMP) ", re.MULTILINE)
# Without root the test users' files cannot be given their uids, so the users get this
# runner's uid instead; the only place a uid shows is Debian's debug_print "(UID n)".
REMAPPED = os.geteuid() != 0
_UID = re.compile(r"\(UID \d+\)")


def _stderr(text: str) -> str:
    text = _STAMP.sub("", text)
    return _UID.sub("(UID n)", text) if REMAPPED else text


def _cases() -> list[Any]:
    cases = []
    for name, entry in GOLDENS["configs"].items():
        for index, run in enumerate(entry["runs"]):
            mode = next(a for a in run["args"] if a in ("-bt", "-bv", "-bvs"))
            if "-v" in run["args"]:
                mode = "-v" + mode
            what = run["args"][-1] if len(run["args"]) <= 4 + len(cw.MACROS.get(name, ())) \
                else "all"
            cases.append(pytest.param(name, index, id=f"{name}:{mode}:{what}"))
    return cases


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory,
          request: pytest.FixtureRequest) -> Iterator[Path]:
    """The recorded world, its test users owned by this runner; DNS pointed at the zones."""
    if not cw.CORPUS.exists():
        pytest.skip("../shared/corpus is not available")
    # Every directory on the way must be searchable by the test users (require_files
    # checks access for them), which pytest's private temporary directories are not.
    directory = Path(tempfile.mkdtemp(prefix="pyexim-route-world-"))
    request.addfinalizer(lambda: shutil.rmtree(directory, ignore_errors=True))
    files = dict(GOLDENS["world"])
    owners = {name: (uid, gid) for name, uid, gid, _ in cw.TEST_USERS}
    if not REMAPPED:
        cw.materialize(files, directory, owners=owners)
    else:
        lines = []
        for line in files["etc/passwd"].splitlines():
            fields = line.split(":")
            if fields[0] in owners:
                fields[2], fields[3] = str(os.getuid()), str(os.getgid())
            lines.append(":".join(fields))
        files["etc/passwd"] = "\n".join(lines) + "\n"
        cw.materialize(files, directory, owners={})
    with running_fake_dns([cw.ZONES], tmp_path_factory.mktemp("dns")) as dns:
        saved = {k: os.environ.get(k) for k in (*dns.env, "PYEXIM_NO_CACHE")}
        os.environ.update(dns.env)
        os.environ["PYEXIM_NO_CACHE"] = "1"
        try:
            yield directory
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


_CONFIGS: dict[tuple[str, str], Any] = {}


def _config(name: str, world: Path, macros: list[tuple[str, str]]) -> Any:
    from pyexim.config import load_config
    from pyexim.errors import ConfigErrors
    key = (name, str(world))
    if key not in _CONFIGS:
        path = cw.write_config(name, world)
        try:
            _CONFIGS[key] = load_config(str(path), macros, hostname=cw.HOSTNAME)
        except ConfigErrors as errors:
            # The configuration names system accounts (Debian-exim, mail, uucp) that
            # its reader looks up in this machine's passwd file; without them it
            # cannot be read here, as Exim could not read it either.
            reason = str(errors.errors[0])
            if "was not found" not in reason:
                raise
            _CONFIGS[key] = reason
    if isinstance(_CONFIGS[key], str):
        pytest.skip(f"{name}: {_CONFIGS[key]} on this machine")
    return _CONFIGS[key]


def route(name: str, args: list[str], world: Path) -> tuple[str, str, int]:
    """pyexim's stdout, stderr and exit status for Exim's arguments *args*."""
    from pyexim.cli.address_test import test_addresses
    from pyexim.cli.args import parse_args
    from pyexim.routers.base import PasswdFile
    from pyexim.routers.chain import RoutingEnv
    from pyexim.routers.hosts import EximRandom
    conf = world / "conf" / (name.replace("/", "_") + ".conf")
    real_args = [a.replace(cw.WORLD_TOKEN, str(world)) for a in args]
    invocation = parse_args(["pyexim", "-C", str(conf), *real_args])
    config = _config(name, world, invocation.macros)
    passwd = PasswdFile(str(world / "etc" / "passwd"))
    env = RoutingEnv(passwd=passwd, interfaces=cw.INTERFACES,
                     hosts_file=str(world / "etc" / "hosts"), rng=EximRandom(42), admin=True)
    if invocation.mode() == "verify":
        # Real Exim verified as the Exim user (it gives up root for -bv).
        exim = passwd.getpwnam("Debian-exim")
        assert exim is not None
        env.uid, env.gid = exim.uid, exim.gid
    out: list[str] = []
    err: list[str] = []
    rc = test_addresses(config, invocation, out.append, err.append, env=env)
    return (cw.to_token("".join(out), world), cw.to_token("".join(err), world), rc)


@pytest.mark.parametrize(("name", "index"), _cases())
def test_corpus_routing(name: str, index: int, world: Path) -> None:
    entry = GOLDENS["configs"][name]
    if cw.config_path(name).exists():
        import hashlib
        digest = hashlib.sha256(cw.config_path(name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], "the corpus file changed: regenerate the goldens"
    run = entry["runs"][index]
    stdout, stderr, rc = route(name, run["args"], world)
    assert stdout == run["stdout"]
    assert _stderr(stderr) == _stderr(run["stderr"])
    assert rc == run["rc"]


def test_the_table_is_big_enough() -> None:
    """Every configuration routes at least 15 addresses, one by one."""
    if not GOLDENS["configs"]:
        pytest.skip("no goldens")
    assert set(GOLDENS["configs"]) == {*cw.CONFIGS, cw.FEATURES}
    assert len(cw.CONFIGS) == 22
    assert len(cw.ADDRESSES) >= 15
    for name in cw.CONFIGS:
        assert len(GOLDENS["configs"][name]["runs"]) == len(cw.ADDRESSES) + 2
