#!/usr/bin/env bash
# The README's first command: builds guestcap and runs it on the bundled example hosts
# and guests. No real VMs or MSR access needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh base
swift build -c release --product guestcap >/dev/null
bin=.build/release/guestcap

for h in cascadelake graniterapids amd-epyc mixed-microcode; do
    echo "================================================================"
    echo "guestcap host --host-root examples/hosts/$h"
    echo "================================================================"
    "$bin" host --host-root "examples/hosts/$h"
    echo
done
