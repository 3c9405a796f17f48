#!/usr/bin/env bash
# The soak test of issue 9: ~1,000 guests churning while `guestcap daemon` (release build)
# runs against a real journald; at the end the database and the journal must equal the
# ground truth the harness computes with `guestcap check`. See docs/reliability.md.
#
# usage: scripts/soak.sh [Benchmarks/soak/soak.py options: --duration 600 --guests 1000 ...]
# Result: the summary on stdout and OUT/result.json (OUT is printed at the start).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh base
scripts/start-journald.sh
swift build -c release --product guestcap
exec python3 Benchmarks/soak/soak.py --bin "$PWD/.build/release/guestcap" "$@"
