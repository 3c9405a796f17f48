#!/usr/bin/env bash
# Benchmark: a long period's `guestcap export`, per format: wall and CPU time, peak memory
# (max RSS) and output size. The history is guestcap-store-bench's simulated fleet (1,000
# guests, one audit per simulated hour from 2025-01-01), built once with --no-prune and kept
# at DB for later runs: building a year takes 7 to 25 minutes on 2 shared cores.
#
# usage: Benchmarks/export/run.sh [DAYS=365] [DB=/var/tmp/guestcap-bench-export/DAYS.sqlite]
#   GUESTCAP_BIN=FILE measures another build (an older one, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/../.."
days=${1:-365}
db=${2:-/var/tmp/guestcap-bench-export/$days.sqlite}
scripts/ensure-deps.sh base
swift build -c release --product guestcap >/dev/null
swift build -c release --product guestcap-store-bench >/dev/null
bin=${GUESTCAP_BIN:-$PWD/.build/release/guestcap}
if [ ! -s "$db" ]; then
    mkdir -p "$(dirname "$db")"
    echo "building the history: $days simulated days into $db"
    .build/release/guestcap-store-bench --guests 1000 --days "$days" --path "$db" --no-prune | grep -E '^(  day|database|rows)'
fi
work=$(mktemp -d /tmp/guestcap-bench-export.XXXXXX)
trap 'rm -rf "$work"' EXIT
until=$(date -u -d "2025-01-01 + $days days" +%Y-%m-%d)
cat "$db" >/dev/null  # page cache warm for every format alike
echo "export benchmark: $db ($(du -m "$db" | cut -f1) MiB), 2025-01-01 .. $until, $bin"
python3 Benchmarks/export/measure.py "$bin" "$db" 2025-01-01 "$until" "$work"
