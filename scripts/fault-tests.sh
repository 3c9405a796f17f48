#!/usr/bin/env bash
# Every fault test of issue 9, including the two disruptive ones that `scripts/test.sh`
# (and so CI) skips: journald stopped and restarted (it would break other suites reading the
# journal at the same time) and SIGKILL under load, repeatedly. Runs the FaultTests suite
# alone, so nothing else shares journald while it is down. See docs/reliability.md.
#
# usage: scripts/fault-tests.sh [swift test arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh base
scripts/start-journald.sh
swift build
trap 'scripts/start-journald.sh' EXIT   # journald back up whatever happened
GUESTCAP_FAULT_DISRUPTIVE=1 GUESTCAP_BIN="$PWD/.build/debug/guestcap" swift test --filter FaultTests "$@"
