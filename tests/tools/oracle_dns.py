#!/usr/bin/env python3
"""Run a command in the oracle's namespaces with the test DNS server answering on 127.0.0.1:53.

The real Exim asks the C library's resolver, which reads /etc/resolv.conf and port 53.
This tool (as root) enters shared/oracle/oracle-netns (loopback-only network, private
mounts), starts pyexim.net.fakedns there on 127.0.0.1:53 with Exim's test zones,
bind-mounts a resolv.conf naming 127.0.0.1 over /etc/resolv.conf, and runs COMMAND.
So ``exim4 -C conf -bt user@mxt1.test.ex`` routes through the MX and A records of the
test zones, as pyexim does when pointed at the same server by PYEXIM_RESOLV_CONF and
PYEXIM_DNS_PORT (both are set for COMMAND too, as is ORACLE_NETNS=0 so exim-oracle runs
Exim in these namespaces rather than in fresh ones without DNS).

    .venv/bin/python tests/tools/oracle_dns.py [options] -- COMMAND [ARG...]
    ... oracle_dns.py -- ../shared/oracle/exim-oracle conf -bt user@mxt1.test.ex
    ... oracle_dns.py --hostname replayhost.exim-replay.example --local-addresses -- CMD

(The project's Python: the server needs Twisted.)

Options: --zones DIR (more zone directories), --no-exim-zones (leave out Exim's
dnszones-src and pyexim's tests/dnszones), --hostipv4/--hostipv6 (HOSTIPV4/HOSTIPV6 in
the zones), --hostname H (host name inside, and runtest's zones for it),
--local-addresses (put HOSTIPV4/HOSTIPV6 on lo, so Exim sees them as its own, as the
harness's host does), --log FILE (the server's query log), --no-chase-cnames.
The exit status is COMMAND's; 77 when not root, 71 when the server does not start.

From Python: ``run(["exim4", ...])`` and ``exim(config, "-bt", addr)`` return a
subprocess.CompletedProcess.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

try:
    from pyexim.net import fakedns
except ImportError:  # run as a script where pyexim is not installed: use this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from pyexim.net import fakedns

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared"
ORACLE_NETNS = SHARED / "oracle" / "oracle-netns"
EXIM_ORACLE = SHARED / "oracle" / "exim-oracle"
EXIM_ZONES = SHARED / "exim-tests" / "exim-4.96" / "dnszones-src"
PYEXIM_TEST_ZONES = PROJECT / "tests" / "dnszones"
HOSTIPV4 = "192.0.2.7"
HOSTIPV6 = "2001:db8::7"
DNS_PORT = 53
STARTUP_SECONDS = 30


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zones", action="append", default=[], metavar="DIR")
    parser.add_argument("--no-exim-zones", action="store_true")
    parser.add_argument("--hostipv4", default=HOSTIPV4)
    parser.add_argument("--hostipv6", default=HOSTIPV6)
    parser.add_argument("--hostname", default=None)
    parser.add_argument("--local-addresses", action="store_true")
    parser.add_argument("--log", default=None, metavar="FILE")
    parser.add_argument("--no-chase-cnames", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    return parser


def zone_dirs(args: argparse.Namespace) -> list[str]:
    """The zone directories to serve: Exim's and pyexim's test zones, then --zones."""
    default = [] if args.no_exim_zones else [str(EXIM_ZONES), str(PYEXIM_TEST_ZONES)]
    return default + [str(Path(d).resolve()) for d in args.zones]


def _start_server(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """fakedns on 127.0.0.1:53, once it says it is listening (SystemExit(71) otherwise)."""
    command = fakedns.server_command(zone_dirs(args), DNS_PORT, hostipv4=args.hostipv4,
                                     hostipv6=args.hostipv6, hostname=args.hostname,
                                     chase_cnames=not args.no_chase_cnames, log=bool(args.log))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(PROJECT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    try:
        with open(args.log or os.devnull, "ab") as log:
            server, _ = fakedns.start_process(command, stderr=log, env=env,
                                              timeout=STARTUP_SECONDS)
    except RuntimeError as exc:
        print(f"oracle_dns: {exc}", file=sys.stderr)
        raise SystemExit(71) from None
    return server


def _inside(args: argparse.Namespace) -> int:
    """In the namespaces: resolv.conf, addresses, server, then the command."""
    workdir = tempfile.mkdtemp(prefix="oracle-dns-")
    os.chmod(workdir, 0o755)
    resolv_conf = Path(workdir) / "resolv.conf"
    resolv_conf.write_text(fakedns.RESOLV_CONF)
    resolv_conf.chmod(0o644)
    subprocess.run(["mount", "--bind", str(resolv_conf), "/etc/resolv.conf"], check=True)
    if args.local_addresses:
        subprocess.run(["ip", "addr", "add", f"{args.hostipv4}/32", "dev", "lo"], check=True)
        # IPv6 may be off in the namespace; Exim then simply has no IPv6 address.
        subprocess.run(["ip", "-6", "addr", "add", f"{args.hostipv6}/128", "dev", "lo"],
                       check=False, stderr=subprocess.DEVNULL)
    server = _start_server(args)
    env = dict(os.environ, ORACLE_NETNS="0", PYEXIM_RESOLV_CONF=str(resolv_conf),
               PYEXIM_DNS_PORT=str(DNS_PORT))
    try:
        return subprocess.run(args.command, check=False, env=env).returncode
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        _parser().error("no COMMAND given")
    if args.inside:
        return _inside(args)
    if os.geteuid() != 0:
        print("oracle_dns: must run as root (namespaces, port 53, bind mounts)", file=sys.stderr)
        return 77
    env = dict(os.environ)
    if args.hostname:
        env["ORACLE_HOSTNAME"] = args.hostname
    inner = [str(ORACLE_NETNS), sys.executable, str(Path(__file__).resolve()), "--inside",
             *(sys.argv[1:] if argv is None else argv)]
    return subprocess.run(inner, check=False, env=env).returncode


def run(command: Sequence[str], *, options: Sequence[str] = (), input: bytes | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` with the test DNS (this tool with ``options``); output captured."""
    return subprocess.run([sys.executable, str(Path(__file__).resolve()), *options, "--",
                           *command], check=False, input=input, capture_output=True,
                          timeout=timeout)


def exim(config: str | Path, *exim_args: str, options: Sequence[str] = (),
         input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real Exim (exim-oracle) on ``config`` with ``exim_args``, seeing the test DNS."""
    return run([str(EXIM_ORACLE), str(config), *exim_args], options=options, input=input)


if __name__ == "__main__":
    sys.exit(main())
