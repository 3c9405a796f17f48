#!/usr/bin/env bash
# Benchmark: `guestcap check` over N generated libvirt domains against one `xmllint --noout`
# over the same files, in the same run. Prints each command's CPU time (user+sys) and wall
# time (best of R runs), the ratios against xmllint and guests/second. Goal: guestcap
# (parse + evaluate + report) takes no more CPU time than xmllint takes merely to parse.
#
# usage: Benchmarks/check/run.sh [N=10000] [RUNS=3] [--references]
# --references: domains with character references and CR LF (gen-domains.py --references).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
runs=${2:-3}
scripts/ensure-deps.sh base
swift build -c release --product guestcap >/dev/null
bin=$PWD/.build/release/guestcap
work=$(mktemp -d /tmp/guestcap-bench-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/check/gen-domains.py "$n" "$work/domains" "${@:3}"
sync

# Warm the page cache once for all.
cat "$work"/domains/*.xml >/dev/null
bytes=$(du -sb "$work/domains" | cut -f1)
guests=$("$bin" check --host-root examples/hosts/cascadelake --format json "$work/domains" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["guests"])' || true)

echo "check benchmark: $n domains, $((bytes / 1024)) KiB, best of $runs runs; $guests guests reported"
echo "  CPU = user+sys of the command (best run); ratios against xmllint; wall time is noisy on a shared machine"
python3 Benchmarks/check/measure.py "$runs" "$n" \
    "xmllint --noout (parse only)" -- xmllint --noout "$work"/domains/*.xml --- \
    "guestcap check --format json" -- "$bin" check --host-root examples/hosts/cascadelake --format json "$work/domains" --- \
    "guestcap check (text)" -- "$bin" check --host-root examples/hosts/cascadelake "$work/domains"
