"""Real Exim 4.96 on a private sandbox with tests/spool/oracle-spool.conf.

Used by make_goldens.py (to record goldens) and by test_interop.py (live, when the
oracle is installed and we are root). Each instance owns one state directory; its
config is copied there root-owned and listed once in /etc/exim4/trusted_configs, so
Exim keeps its privilege when it re-executes itself to deliver.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORACLE_DIR = HERE.parent.parent.parent / "shared" / "oracle"
TRUSTED = Path("/etc/exim4/trusted_configs")


class OracleSpool:
    """The oracle sandbox under *state*: run Exim, look at its spool, logs and mail."""

    def __init__(self, state: Path, log_selector: str | None = None):
        self.state = state
        self.log_selector = log_selector
        self.sandbox = state / "sandbox"
        self.conf = state / "spool.conf"

    def setup(self) -> None:
        """Create (or reset) the sandbox and install the config."""
        env = dict(os.environ, ORACLE_STATE=str(self.state))
        subprocess.run([str(ORACLE_DIR / "sandbox-init"), "--reset"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        text = (HERE / "oracle-spool.conf").read_text()
        text = re.sub(r"(?m)^SANDBOX = .*$", f"SANDBOX = {self.sandbox}", text)
        if self.log_selector is not None:
            text = re.sub(r"(?m)^LOG_SELECTOR = .*$", f"LOG_SELECTOR = {self.log_selector}", text)
        self.conf.write_text(text)
        os.chown(self.conf, 0, 0)
        os.chmod(self.conf, 0o644)
        self._make_certificates()
        listed = TRUSTED.read_text().splitlines() if TRUSTED.exists() else []
        if str(self.conf) not in listed:
            with TRUSTED.open("a") as handle:
                handle.write(f"{self.conf}\n")

    def _make_certificates(self) -> None:
        """Self-signed server and client certificates, readable by Debian-exim."""
        for name, subject in (("server", "/CN=oracle.test"), ("client", "/CN=client.example")):
            key, crt = self.sandbox / f"tls-{name}.key", self.sandbox / f"tls-{name}.crt"
            if not crt.exists():
                subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                "-keyout", str(key), "-out", str(crt), "-days", "3650",
                                "-subj", subject], check=True, capture_output=True)
            for path in (key, crt):
                shutil.chown(path, "root", "Debian-exim")
                os.chmod(path, 0o640)

    def daemon_session(self, *client: str) -> subprocess.CompletedProcess[bytes]:
        """Start Exim as a queue-only daemon on 127.0.0.1:2525 and run *client* against it.

        Both run in one fresh oracle-netns; the daemon is stopped by its pid file.
        """
        pid_file = self.sandbox / "run" / "daemon.pid"
        script = ('ORACLE_NETNS=0 "$1" "$2" -bd -odq -oX 2525 -oP "$3"; '
                  'for _ in $(seq 50); do [ -s "$3" ] && break; sleep 0.1; done; '
                  'pid=$(cat "$3"); shift 3; "$@"; status=$?; kill "$pid"; exit $status')
        env = dict(os.environ, ORACLE_STATE=str(self.state))
        return subprocess.run(
            [str(ORACLE_DIR / "oracle-netns"), "bash", "-c", script, "daemon",
             str(ORACLE_DIR / "exim-oracle"), str(self.conf), str(pid_file), *client],
            capture_output=True, env=env, timeout=60, check=False)

    def exim(self, *args: str, stdin: bytes | None = None, check: bool = True
             ) -> subprocess.CompletedProcess[bytes]:
        """Run exim -C CONF ARGS in the oracle's namespaces."""
        env = dict(os.environ, ORACLE_STATE=str(self.state))
        result = subprocess.run([str(ORACLE_DIR / "exim-oracle"), str(self.conf), *args],
                                input=stdin, capture_output=True, env=env, timeout=60,
                                check=False)
        if check and result.returncode not in (0, 1):
            raise RuntimeError(f"exim {' '.join(args)} failed ({result.returncode}): "
                               f"{result.stderr.decode(errors='replace')}")
        return result

    def exim_with_sink(self, reply_rcpt: int, *args: str) -> subprocess.CompletedProcess[bytes]:
        """Run exim with the oracle's SMTP sink listening on 127.0.0.1:2526 (relay.test).

        Both run in one fresh oracle-netns; the sink answers RCPT with *reply_rcpt* and
        is stopped by its pid when exim returns.
        """
        script = ('python3 "$1" 2526 "$2" --seconds 20 --reply-rcpt "$3" & sink=$!; '
                  'for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/2526) 2>/dev/null '
                  '&& break; sleep 0.1; done; shift 3; '
                  'ORACLE_NETNS=0 "$@"; status=$?; kill "$sink"; exit $status')
        env = dict(os.environ, ORACLE_STATE=str(self.state))
        return subprocess.run(
            [str(ORACLE_DIR / "oracle-netns"), "bash", "-c", script, "sink",
             str(ORACLE_DIR / "smtp-sink.py"), str(self.sandbox / "sink.out"), str(reply_rcpt),
             str(ORACLE_DIR / "exim-oracle"), str(self.conf), *args],
            capture_output=True, env=env, timeout=60, check=False)

    @property
    def spool_dir(self) -> Path:
        return self.sandbox / "spool"

    def input_dir(self) -> Path:
        return self.spool_dir / "input"

    def spool_ids(self) -> set[str]:
        return {path.name[:-2] for path in self.input_dir().rglob("*-H")}

    def submit(self, sender: str, recipient: str, message: bytes, *flags: str) -> str:
        """``exim -odq [flags] -f SENDER RECIPIENT`` with *message* on stdin; the new id."""
        before = self.spool_ids()
        self.exim("-odq", *flags, "-f", sender, recipient, stdin=message)
        new = self.spool_ids() - before
        if len(new) != 1:
            raise RuntimeError(f"exim queued {len(new)} messages for {message[:40]!r}")
        return new.pop()

    def smtp(self, lines: list[str], *extra: str) -> str:
        """A -bs -odq session; returns the id of the one message it must accept."""
        dialogue = ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogateescape")
        result = self.exim("-odq", *extra, "-bs", stdin=dialogue)
        ids = re.findall(rb"250 OK id=(\S+)", result.stdout)
        if len(ids) != 1:
            raise RuntimeError(f"expected one accepted message, got {result.stdout!r}")
        return ids[0].decode()

    def clear_spool(self) -> None:
        """Empty input/ and msglog/, keeping them as Exim wants them."""
        for sub in ("input", "msglog"):
            path = self.spool_dir / sub
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir()
            shutil.chown(path, "Debian-exim", "Debian-exim")
            os.chmod(path, 0o750)

    def log(self, name: str = "mainlog") -> str:
        path = self.sandbox / "log" / name
        return path.read_text(errors="surrogateescape") if path.exists() else ""
