#!/usr/bin/env bash
# Runs a command and prints, when it ends, its wall time, its exit status, the CPU model and the machine's peak
# memory in use while it ran (`free`'s "used", sampled every 5 s).
#
#   bash benchmarks/machine_peak.sh make run
#
# Why the machine's memory and not the command's: `make run` is a tree of processes (Snakemake, a vLLM server,
# nsjail'd programs) and GNU time's "maximum resident set size" is only the largest single process of it. The
# machine's figure includes whatever else runs beside it, so it is an upper bound; say what ran beside it.
# The exit status is the command's.
set -u
peak_file=$(mktemp)
echo 0 > "$peak_file"
(
  peak=0
  while :; do
    used=$(free -m | awk '/^Mem:/{print $3}')
    if [ "$used" -gt "$peak" ]; then peak=$used; echo "$peak" > "$peak_file"; fi
    sleep 5
  done
) &
sampler=$!
start=$(date +%s)
"$@"
status=$?
end=$(date +%s)
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
peak=$(cat "$peak_file")
used=$(free -m | awk '/^Mem:/{print $3}')   # one sample at the end: a command shorter than 5 s has one too
[ "$used" -gt "$peak" ] && peak=$used
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
echo "[machine_peak] command: $* | exit $status | wall $((end - start)) s | cpu: $cpu, $(nproc) cores |" \
  "peak memory in use (machine): ${peak} MiB"
rm -f "$peak_file"
exit "$status"
