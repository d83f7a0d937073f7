#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine (for CI and for trying profiles/slurm): munge, slurmctld
# and slurmd, as root, with every file under one state directory. No accounting daemon: the SLURM executor
# plugin is told to query job states with `squeue` (profiles/slurm/config.yaml), which slurmctld answers
# for MinJobAge seconds after a job ends.
#
#   scripts/slurm/start.sh [STATE_DIR]     default /tmp/mtcodegen-slurm; prints `export SLURM_CONF=...`
#                                          and links /etc/slurm/slurm.conf to it (jobs read that path)
#   scripts/slurm/stop.sh  [STATE_DIR]     stops exactly the daemons this script started
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge if they are missing (needs root and apt-get).
set -euo pipefail

STATE=${1:-${MTCODEGEN_SLURM_DIR:-/tmp/mtcodegen-slurm}}
log() { printf '[slurm] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their user; munged needs its key)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
  || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurmctld/slurmd/munge are missing and there is no apt-get to install them"
  log "installing Debian's slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null; }
fi

if [ -e "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; then
  die "a cluster from $STATE is already running (scripts/slurm/stop.sh $STATE first)"
fi
mkdir -p "$STATE"/{ctld,d,log,munge}
chmod 755 "$STATE"
runuser -u munge -- test -x "$STATE/munge" \
  || die "the munge user cannot reach $STATE (a parent directory is private): choose another STATE_DIR"

# munge: a private key and socket, so a system munged (if any) is left alone.
KEY="$STATE/munge/munge.key"
[ -s "$KEY" ] || dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
chown -R munge:munge "$STATE/munge"
chmod 755 "$STATE/munge"   # clients must reach the socket; the key itself is 0400
chmod 400 "$KEY"
SOCKET="$STATE/munge/munge.socket"
runuser -u munge -- munged --key-file="$KEY" --socket="$SOCKET" --pid-file="$STATE/munge/munged.pid" \
  --log-file="$STATE/munge/munged.log" --seed-file="$STATE/munge/munged.seed" \
  || die "munged did not start (see $STATE/munge/munged.log)"

HOST=$(hostname -s)
CPUS=$(nproc)
# Leave a quarter of the memory (at least 2 GiB) to everything else on the machine.
TOTAL_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
MEM_MB=$(( TOTAL_MB - (TOTAL_MB / 4 > 2048 ? TOTAL_MB / 4 : 2048) ))
CONF="$STATE/slurm.conf"
cat > "$CONF" <<CONF
# Written by scripts/slurm/start.sh: a one-node cluster for tests.
ClusterName=mtcodegen
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPort=${MTCODEGEN_SLURMCTLD_PORT:-16817}
SlurmdPort=${MTCODEGEN_SLURMD_PORT:-16818}
# cgroup v1 inside a container: no cgroup-based tracking or task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
# Jobs need the config at the standard path: the executor plugin drops SLURM_* variables (SLURM_CONF with
# them) before it runs a job's srun step. A link, so that stop.sh can tell it is ours.
SYSTEM_CONF=/etc/slurm/slurm.conf
if [ -e "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" != "$CONF" ]; then
  die "$SYSTEM_CONF exists and is not this cluster's: refusing to replace a real cluster's configuration"
fi
mkdir -p /etc/slurm
ln -sfn "$CONF" "$SYSTEM_CONF"
export SLURM_CONF="$CONF"

slurmctld -f "$CONF" -i || die "slurmctld did not start (see $STATE/log/slurmctld.log)"
slurmd -f "$CONF" || die "slurmd did not start (see $STATE/log/slurmd.log)"

for _ in $(seq 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    log "up: node $HOST, $CPUS CPUs, $MEM_MB MB, partition debug ($CONF)"
    echo "export SLURM_CONF=$CONF"
    exit 0
  fi
  sleep 1
done
sinfo -N -l >&2 || true
die "the node did not become idle within 60 s (logs in $STATE/log)"
