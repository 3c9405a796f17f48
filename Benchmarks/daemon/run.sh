#!/usr/bin/env bash
# Benchmark: `guestcap daemon` (release build) watching N libvirt guests on a fake host.
#   1. idle cost with N guests: RSS, CPU seconds and wake-ups (context switches) per idle minute
#   2. latency from a config file's rename into the watched directory to its journal entry
#      (journald's receive time, __REALTIME_TIMESTAMP), p50/p99 over CHANGES sequential changes
#   3. sustained churn: renames at increasing rates; after each step, the latency of one more
#      change shows whether the daemon fell behind, and the daemon's CPU share
# Needs a running journald (started here if none answers).
#
# usage: Benchmarks/daemon/run.sh [N=1000] [CHANGES=1000] [IDLE_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
changes=${2:-1000}
idle=${3:-60}
scripts/ensure-deps.sh base
scripts/start-journald.sh
swift build -c release --product guestcap >/dev/null
exec python3 Benchmarks/daemon/bench.py --bin "$PWD/.build/release/guestcap" --guests "$n" \
    --changes "$changes" --idle "$idle" --host-root "$PWD/examples/hosts/cascadelake"
