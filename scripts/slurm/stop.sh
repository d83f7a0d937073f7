#!/usr/bin/env bash
# Stop the cluster scripts/slurm/start.sh started from STATE_DIR: its jobs, slurmd, slurmctld and munged,
# each by the pid file it wrote (never by name), then check that none is left.
set -uo pipefail

STATE=${1:-${MTCODEGEN_SLURM_DIR:-/tmp/mtcodegen-slurm}}
log() { printf '[slurm] %s\n' "$*" >&2; }

if [ -s "$STATE/slurm.conf" ] && command -v scancel >/dev/null; then
  SLURM_CONF="$STATE/slurm.conf" timeout 10 scancel --full --quiet --user "$(id -un)" 2>/dev/null || true
fi

left=0
for name in slurmd slurmctld munge/munged; do
  pidfile="$STATE/$name.pid"
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) ignored SIGTERM for 15 s: killing it"
      kill -KILL "$pid" 2>/dev/null
      sleep 0.5
    fi
  fi
  if kill -0 "$pid" 2>/dev/null; then
    log "error: $name ($pid) is still running"
    left=1
  else
    rm -f "$pidfile"
  fi
done
if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$STATE/slurm.conf" ]; then
  rm -f /etc/slurm/slurm.conf
fi
[ "$left" = 0 ] && log "stopped (state kept in $STATE)"
exit "$left"
