"""Regenerate oracle_goldens.json by running real Exim 4.96 on every case in oracle_cases.

Run as root on a machine with the oracle installed (../shared/oracle), from the project:

    .venv/bin/python -m tests.lookups.make_oracle_goldens

It re-runs itself inside the oracle's network namespace (loopback only), where it
replaces /etc/resolv.conf and /etc/hosts by private copies (a private mount namespace),
serves oracle_cases.ZONE on 127.0.0.1:53, writes the case files into a temporary
directory and runs ``exim -be`` once per case. Output is recorded with the directory
replaced by ``@DIR@``. Never edit the JSON by hand.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
ORACLE_NETNS = PROJECT.parent / "shared" / "oracle" / "oracle-netns"
EXIM = "/usr/sbin/exim4"
GOLDENS = HERE / "oracle_goldens.json"
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def build_files(directory: Path, *, with_dbm: bool = True) -> None:
    """Write every file the cases use into *directory* (also used by the tests)."""
    from pyexim.lookups.cdb import write_cdb
    from tests.lookups import oracle_cases as oc

    for name, text in oc.FILES.items():
        (directory / name).write_text(text.replace("@DIR@", str(directory)),
                                      encoding="latin-1")
    write_cdb(str(directory / "test.cdb"), [(k.encode(), v.encode())
                                            for k, v in oc.CDB_ITEMS])
    (directory / "short.cdb").write_bytes(b"x" * 100)
    db = sqlite3.connect(directory / "db.sqlite")
    db.execute("create table users (name text, uid integer, note text)")
    db.executemany("insert into users values (?, ?, ?)", oc.SQLITE_ROWS)
    db.commit()
    db.close()
    ds = directory / "dsearch"
    ds.mkdir()
    for name in oc.DSEARCH_FILES:
        (ds / name).write_text("x")
    for name in oc.DSEARCH_DIRS:
        (ds / name).mkdir()
    if with_dbm and shutil.which("exim_dbmbuild"):
        for src, dest, flags in (("aliases", "aliases.db", []),
                                 ("aliases", "aliases.nz.db", ["-nozero"]),
                                 ("starred", "starred.db", [])):
            # exit status 1 only warns about duplicate keys (the first is kept)
            proc = subprocess.run(["exim_dbmbuild", *flags, str(directory / src),
                                   str(directory / dest)], capture_output=True)
            if proc.returncode > 1:
                raise RuntimeError(proc.stderr.decode())


def normalise(rc: int, stdout: str, stderr: str, directory: str) -> str:
    """One result text: stdout (without its final newline), or ``PANIC: message``."""
    if rc != 0:
        lines = [_STAMP.sub("", line) for line in stderr.splitlines() if line.strip()]
        text = "PANIC: " + (lines[0] if lines else f"exit {rc}")
    else:
        text = stdout[:-1] if stdout.endswith("\n") else stdout
    return text.replace(directory, "@DIR@")


def run_case(case: tuple[str | None, ...], conf: Path, work: Path, directory: str) -> str:
    """Run one case through real Exim and return its normalised result."""
    from tests.lookups import oracle_cases as oc
    env = dict(os.environ, TZ="UTC")
    if case[0] == "host":
        hconf = work / "host.conf"
        hconf.write_text(oc.host_config(directory, str(case[2])))
        proc = subprocess.run([EXIM, "-C", str(hconf), "-bh", str(case[1])],
                              input=b"QUIT\r\n", capture_output=True, env=env, timeout=60)
        return oc.host_verdict(proc.stdout.decode("latin-1"))
    expr = oc.expansion(case).replace("@DIR@", directory)
    proc = subprocess.run([EXIM, "-C", str(conf), "-be", expr], capture_output=True, env=env,
                          timeout=60)
    return normalise(proc.returncode, proc.stdout.decode("latin-1"),
                     proc.stderr.decode("latin-1"), directory)


def inside() -> None:
    """The part that runs inside the oracle namespace."""
    from tests.dnsfake import FakeZone, serve_udp
    from tests.lookups import oracle_cases as oc

    work = Path(tempfile.mkdtemp(prefix="pyexim-golden-"))
    os.chmod(work, 0o755)
    try:
        directory = str(work / "d")
        Path(directory).mkdir()
        build_files(Path(directory))
        conf = work / "exim.conf"
        conf.write_text(oc.oracle_config(directory))
        resolv = work / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\n")
        hosts = work / "hosts"
        hosts.write_text(oc.HOSTS)
        subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
        subprocess.run(["mount", "--bind", str(hosts), "/etc/hosts"], check=True)
        serve_udp(FakeZone(dict(oc.ZONE), set(oc.SERVFAIL)))
        results = []
        for case in oc.CASES:
            results.append({"case": list(case), "expansion": oc.expansion(case),
                            "result": run_case(case, conf, work, directory)})
        GOLDENS.write_text(json.dumps({"exim": subprocess.run(
            [EXIM, "-bV"], capture_output=True, text=True).stdout.splitlines()[0],
            "cases": results}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(results)} cases written to {GOLDENS}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    if "--inside" in sys.argv:
        inside()
        return 0
    if os.geteuid() != 0 or not ORACLE_NETNS.exists() or not os.path.exists(EXIM):
        print("needs root and the oracle (../shared/oracle, /usr/sbin/exim4)", file=sys.stderr)
        return 1
    return subprocess.run([str(ORACLE_NETNS), sys.executable, "-m",
                           "tests.lookups.make_oracle_goldens", "--inside"],
                          cwd=PROJECT).returncode


if __name__ == "__main__":
    sys.exit(main())
