#!/usr/bin/env bash
# Benchmark: `guestcap check` over N generated libvirt domains against one `xmllint --noout`
# over the same files, in the same run. Prints both times (best of R runs), the ratio and
# guests/second. Goal: guestcap (parse + evaluate + report) takes no longer than xmllint
# takes merely to parse.
#
# usage: Benchmarks/check/run.sh [N=10000] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
runs=${2:-3}
scripts/ensure-deps.sh base
swift build -c release --product guestcap >/dev/null
bin=$PWD/.build/release/guestcap
work=$(mktemp -d /tmp/guestcap-bench-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/check/gen-domains.py "$n" "$work/domains"
sync

best() {  # best wall time in seconds of running "$@" $runs times, output discarded
    local best="" t0 t1 t
    for _ in $(seq "$runs"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        best=$(python3 -c "import sys; t=$t1-$t0; b='$best'; print(t if not b or t < float(b) else b)")
    done
    python3 -c "print('%.3f' % $best)"
}

# Warm the page cache once for both.
cat "$work"/domains/*.xml >/dev/null
bytes=$(du -sb "$work/domains" | cut -f1)
t_xmllint=$(best xmllint --noout "$work"/domains/*.xml)
t_json=$(best "$bin" check --host-root examples/hosts/cascadelake --format json "$work/domains")
t_text=$(best "$bin" check --host-root examples/hosts/cascadelake "$work/domains")
guests=$("$bin" check --host-root examples/hosts/cascadelake --format json "$work/domains" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["guests"])' || true)

echo "check benchmark: $n domains, $((bytes / 1024)) KiB, best of $runs runs"
echo "  xmllint --noout (parse only):      ${t_xmllint} s"
ratio() { python3 -c "print('ratio %.2f   %d guests/s' % ($1 / $t_xmllint, $n / $1))"; }
echo "  guestcap check --format json:      ${t_json} s   $(ratio "$t_json")"
echo "  guestcap check (text):             ${t_text} s   $(ratio "$t_text")"
echo "  guests reported: $guests"
