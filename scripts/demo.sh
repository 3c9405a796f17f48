#!/usr/bin/env bash
# The README's first command: builds guestcap and runs the daemon on an example host and a
# folder of example guests, changes a guest while it runs so a finding opens and resolves,
# shows `guestcap status`, and stops it cleanly. No real VMs or MSR access needed.
#
# Journal entries go to journald when one answers (started here if it can be: root and
# systemd-journald installed), otherwise the daemon writes them to stderr, shown below.
# The database lives in .demo/ in the repository; it is removed at the start of each run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Numbered steps, so a reader can follow them (and see how far a run got).
steps=8
step=0
say() { step=$((step + 1)); printf '\n\033[1m== %d/%d %s\033[0m\n' "$step" "$steps" "$*"; }

say "build guestcap (release; the first build takes several minutes, later ones seconds)"
scripts/ensure-deps.sh -v base
swift build -c release --product guestcap 2>&1 | sed 's/^/  /'
bin=$PWD/.build/release/guestcap
host=examples/hosts/cascadelake

demo=$PWD/.demo
rm -rf "$demo"
mkdir -p "$demo/libvirt" "$demo/qemu" "$demo/firecracker"
cp examples/guests/*.xml "$demo/libvirt/"
cp examples/guests/*.args "$demo/qemu/"
cp examples/guests/*.json "$demo/firecracker/"
: >"$demo/guestcap.toml"

journal=0
if scripts/start-journald.sh >/dev/null 2>&1 && timeout 5 journalctl --sync >/dev/null 2>&1; then journal=1; fi

# PIDs wrap: read only this run's entries of the daemon's PID.
since="@$(date +%s.%N | cut -c1-17)"
say "guestcap daemon on $host, watching $demo/{libvirt,qemu,firecracker}"
"$bin" daemon --config "$demo/guestcap.toml" --host-root "$host" --database "$demo/history.sqlite" \
    --watch "libvirt=$demo/libvirt" --watch "qemu=$demo/qemu" --watch "firecracker=$demo/firecracker" \
    --log-level notice 2>"$demo/daemon.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT

# Shows what the daemon logged since the last call: the journal's entries, or its stderr.
shown=0
show() {
    sleep "${1:-0.5}"
    if [ "$journal" = 1 ]; then
        timeout 5 journalctl --sync >/dev/null 2>&1 || true
        journalctl -q --no-pager -o short-precise --since="$since" "_PID=$pid" | tail -n +$((shown + 1)) | sed 's/^/  /'
        shown=$(journalctl -q --no-pager -o short-precise --since="$since" "_PID=$pid" | wc -l)
    else
        tail -n +$((shown + 1)) "$demo/daemon.log" | sed 's/^/  /'
        shown=$(wc -l <"$demo/daemon.log")
    fi
}
for _ in $(seq 100); do
    [ -s "$demo/history.sqlite" ] && "$bin" status --database "$demo/history.sqlite" >/dev/null 2>&1 && break
    sleep 0.1
done
show 1
[ "$journal" = 1 ] && echo "  (journal: journalctl _PID=$pid; try journalctl -o json-pretty GUESTCAP_BIT=taa-no)"

say "edit db-passthrough.xml the way libvirt does (write .new, rename): force taa-no"
echo "  (this host's KVM does not provide taa-no, so QEMU drops it at start: request-dropped, not told)"
sed "s|<cpu mode='host-passthrough' check='none' migratable='on'/>|<cpu mode='host-passthrough' check='none' migratable='on'><feature policy='force' name='taa-no'/></cpu>|" \
    "$demo/libvirt/db-passthrough.xml" >"$demo/libvirt/db-passthrough.xml.new"
mv "$demo/libvirt/db-passthrough.xml.new" "$demo/libvirt/db-passthrough.xml"
show

say "guestcap status"
"$bin" status --database "$demo/history.sqlite" | sed 's/^/  /' || true

say "put it back: the finding resolves"
cp examples/guests/db-passthrough.xml "$demo/libvirt/db-passthrough.xml.new"
mv "$demo/libvirt/db-passthrough.xml.new" "$demo/libvirt/db-passthrough.xml"
show

say "rewrite it unchanged: nothing is logged twice"
cp examples/guests/db-passthrough.xml "$demo/libvirt/db-passthrough.xml.new"
mv "$demo/libvirt/db-passthrough.xml.new" "$demo/libvirt/db-passthrough.xml"
show
echo "  (nothing)"

say "SIGTERM: the daemon finishes, logs that it stops, and exits"
kill -TERM $pid
status=0
wait $pid || status=$?
trap - EXIT
show 0.2
echo "  exit status $status"

say "guestcap status (the database outlives the daemon)"
"$bin" status --database "$demo/history.sqlite" | sed 's/^/  /' || true
