#!/bin/sh
# replay_with_dns.sh -- run shared/exim-tests/run_replay.sh with the test DNS server.
#
# Usage: replay_with_dns.sh --testdir DIR --exim BIN|"CMD ..." [run_replay.sh options] TEST...
#   e.g. replay_with_dns.sh --testdir ../shared/exim-tests/exim-4.96 --exim /usr/sbin/exim4 0002
#        replay_with_dns.sh --testdir ../shared/exim-tests/exim-4.96 \
#            --exim /work/main/.venv/bin/pyexim --user root --show-diff 40 0002
#
# The replayer normally runs in a loopback-only namespace where every DNS lookup fails.
# Here oracle_dns.py makes that namespace instead (network, mounts, and the replayer's
# host name replayhost.exim-replay.example), puts HOSTIPV4/HOSTIPV6 (192.0.2.7 and
# 2001:db8::7, the replayer's values) on lo as the harness host has them, and serves
# DIR/dnszones-src on 127.0.0.1:53 with runtest's substitutions and host zones. The real
# Exim finds it through a bind-mounted /etc/resolv.conf; pyexim through PYEXIM_RESOLV_CONF
# and PYEXIM_DNS_PORT, which the replayer passes on. Needs root. Set FAKEDNS_LOG=FILE
# for the server's query log.
HERE=$(dirname "$(readlink -f "$0")")
PROJECT=$(dirname "$(dirname "$HERE")")
REPLAY=$(dirname "$PROJECT")/shared/exim-tests/run_replay.sh
testdir=
prev=
for arg in "$@"; do
  [ "$prev" = --testdir ] && testdir=$arg
  prev=$arg
done
if [ -z "$testdir" ] || [ ! -d "$testdir/dnszones-src" ]; then
  echo "replay_with_dns.sh: --testdir DIR with a dnszones-src/ directory is required" >&2
  exit 64
fi
PY=$PROJECT/.venv/bin/python
[ -x "$PY" ] || PY=python3
set -- --no-exim-zones --zones "$testdir/dnszones-src" \
  --hostname replayhost.exim-replay.example --local-addresses \
  ${FAKEDNS_LOG:+--log "$FAKEDNS_LOG"} \
  -- env REPLAY_NETNS=0 "$REPLAY" "$@"
exec "$PY" "$HERE/oracle_dns.py" "$@"
