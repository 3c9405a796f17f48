#!/usr/bin/env bash
# export-browser.sh — render the example export as HTML, open it in headless Chromium, check
# that the page shows the guest and finding counts of the JSON, and take a screenshot.
#
# usage: scripts/export-browser.sh [OUT.png]     (default: docs/images/export-example.png)
#
# The example is a history database written by Benchmarks/fleet ('guestcap-fleet-gen
# --history'): one Cascade Lake host with 12 guests evaluated by the real policy engine under a
# policy with two migration pools and a waiver, audited through 2026-11-24 (a guest fixed, one
# added then removed, a microcode update), exported by 'guestcap export --database'.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/images/export-example.png}
scripts/ensure-deps.sh browser
swift build --product guestcap >/dev/null
swift build --product guestcap-fleet-gen >/dev/null
bin=.build/debug
work=$(mktemp -d /tmp/guestcap-export-browser.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin/guestcap-fleet-gen" --history "$work/history.sqlite" --guests 12 >/dev/null
export=("$bin/guestcap" export --database "$work/history.sqlite" --since 2026-11-24 --until 2026-11-25)
json=$work/report.json
"${export[@]}" --format json --output "$json"
"${export[@]}" --format html --output "$work/report.html"

chrome=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
        --user-data-dir="$work/profile")
"${chrome[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2>/dev/null

# What the JSON says, and what the browser rendered.
python3 - "$json" "$work/dom.html" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
dom = open(sys.argv[2]).read()
want = {
    "guests": doc["summary"]["guests"],
    "violating": doc["summary"]["violating"],
    "findings": sum(len(g["findings"]) for g in doc["guests"]) + len(doc.get("host_findings", [])),
}
for key, n in want.items():
    m = re.search(r'id="count-%s">(\d+)<' % key, dom)
    got = int(m.group(1)) if m else None
    if got != n:
        sys.exit(f"export-browser: the page shows {key} = {got}, the JSON says {n}")
rows = dom.count('<tr class="guest"')
if rows != want["guests"]:
    sys.exit(f"export-browser: {rows} matrix rows for {want['guests']} guests")
print("export-browser: rendered %(guests)d guests, %(violating)d violating, %(findings)d findings" % want)
PY

mkdir -p "$(dirname "$out")"
"${chrome[@]}" --screenshot="$out" --window-size=1400,2300 "file://$work/report.html" 2>/dev/null
echo "export-browser: screenshot $out"
