#!/usr/bin/env bash
# Every benchmark in one go, each table into bench/results/<name>.txt (run on a quiet machine;
# about an hour on 2 cores). The README's tables come from these files.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
for name in "$@"; do
  echo "== $name ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  { time python3 "bench/$name.py"; } > "bench/results/$name.txt" 2>&1
  tail -n 25 "bench/results/$name.txt"
done
