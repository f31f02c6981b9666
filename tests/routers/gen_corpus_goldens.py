#!/usr/bin/env python3
"""Make tests/routers/goldens/corpus_bt.json: real Exim 4.96's -bt/-bv on the corpus configs.

Run as root where the oracle is installed (../shared/oracle):

    .venv/bin/python tests/routers/gen_corpus_goldens.py

For each of the 22 configurations real Exim accepts, the rewritten copy (corpus_world.py)
routes every address of corpus_world.ADDRESSES one by one with -bt, then all of them in
one -bt run (duplicates show) and in one -bv run. Exim runs inside the oracle's
namespaces with the test DNS server serving tests/routers/dnszones
(tests/tools/oracle_dns.py), host name "vm", the world's etc/passwd and etc/hosts
bind-mounted over the system's, and the sender given by -f. stdout, stderr and the exit
status are recorded, the world directory written as WORLD and log time stamps as
TIMESTAMP; the world's files go into the goldens too, so the test rebuilds exactly this
world. Never edit the output by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from tests.routers import corpus_world as cw

WORLD = Path("/tmp/pyexim-route-world")
# Log lines on stderr (-bv) start with the time; the goldens keep a fixed word instead.
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.MULTILINE)
EXIM = "/usr/sbin/exim4"


def jobs(world: Path) -> list[dict[str, Any]]:
    """Every Exim run: (configuration, arguments)."""
    out: list[dict[str, Any]] = []
    for name in (*cw.CONFIGS, cw.FEATURES):
        conf = str(cw.write_config(name, world))
        table = cw.addresses(name)
        for address in table:
            out.append({"config": name, "conf": conf,
                        "args": cw.command_args(name, world, "-bt", address)})
        out.append({"config": name, "conf": conf,
                    "args": cw.command_args(name, world, "-bt", *table)})
        out.append({"config": name, "conf": conf,
                    "args": cw.command_args(name, world, "-bv", *table)})
        if name == cw.FEATURES:
            for address in cw.FEATURE_SINGLE_BV:
                out.append({"config": name, "conf": conf,
                            "args": cw.command_args(name, world, "-bv", address)})
            out.append({"config": name, "conf": conf,
                        "args": cw.command_args(name, world, "-bvs", *table)})
            out.append({"config": name, "conf": conf,
                        "args": cw.command_args(name, world, "-v", "-bv", *table)})
    return out


def inside(job_file: str, result_file: str) -> int:
    """In the oracle's namespaces: the world's passwd and hosts, then every run."""
    world = WORLD
    for name in ("passwd", "hosts"):
        subprocess.run(["mount", "--bind", str(world / "etc" / name), f"/etc/{name}"],
                       check=True)
    results = []
    env = dict(os.environ, TZ="UTC")
    for job in json.loads(Path(job_file).read_text()):
        proc = subprocess.run([EXIM, "-C", str(job["conf"]), *job["args"]],
                              capture_output=True, env=env, stdin=subprocess.DEVNULL,
                              check=False, timeout=120)
        results.append({"stdout": proc.stdout.decode("latin-1"),
                        "stderr": proc.stderr.decode("latin-1"), "rc": proc.returncode})
    Path(result_file).write_text(json.dumps(results))
    return 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        return inside(sys.argv[2], sys.argv[3])
    if os.geteuid() != 0 or not Path(EXIM).exists():
        print("gen_corpus_goldens: needs root and the oracle's Exim", file=sys.stderr)
        return 77
    shutil.rmtree(WORLD, ignore_errors=True)
    system = {}
    for name in cw.SYSTEM_USERS:
        account = pwd.getpwnam(name)
        system[name] = f"{account.pw_uid}:{account.pw_gid}:{account.pw_gecos}"
    files = cw.world_files(system)
    owners = {name: (uid, gid) for name, uid, gid, _ in cw.TEST_USERS}
    cw.materialize(files, WORLD, owners=owners)
    job_list = jobs(WORLD)
    job_file = WORLD / "jobs.json"
    result_file = WORLD / "results.json"
    job_file.write_text(json.dumps(job_list))
    env = dict(os.environ, ORACLE_HOSTNAME=cw.HOSTNAME)
    tool = PROJECT / "tests" / "tools" / "oracle_dns.py"
    proc = subprocess.run([sys.executable, str(tool), "--no-exim-zones", "--zones",
                           str(cw.ZONES), "--", sys.executable, str(Path(__file__).resolve()),
                           "--inside", str(job_file), str(result_file)], env=env, check=False)
    if proc.returncode != 0:
        print(f"gen_corpus_goldens: oracle run failed ({proc.returncode})", file=sys.stderr)
        return 1
    results = json.loads(result_file.read_text())
    configs: dict[str, dict[str, Any]] = {}
    goldens: dict[str, Any] = {
        "hostname": cw.HOSTNAME, "sender": cw.SENDER,
        "world": dict(files), "configs": configs,
    }
    for job, result in zip(job_list, results):
        name = str(job["config"])
        config = configs.setdefault(name, {
            "sha256": hashlib.sha256(cw.config_path(name).read_bytes()).hexdigest(),
            "runs": []})
        config["runs"].append({
            "args": [cw.to_token(a, WORLD) for a in job["args"]],
            "stdout": cw.to_token(result["stdout"], WORLD),
            "stderr": _STAMP.sub("TIMESTAMP ", cw.to_token(result["stderr"], WORLD)),
            "rc": result["rc"]})
    cw.GOLDENS.parent.mkdir(exist_ok=True)
    cw.GOLDENS.write_text(json.dumps(goldens, indent=1, sort_keys=True) + "\n")
    count = sum(len(c["runs"]) for c in configs.values())
    print(f"wrote {cw.GOLDENS} ({len(configs)} configurations, {count} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
