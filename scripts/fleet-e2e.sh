#!/usr/bin/env bash
# fleet-e2e.sh — guestcap on the fleet engines, end to end, with the real servers.
#
# usage: scripts/fleet-e2e.sh [--keep]
#
# Builds, on this machine, three KVM hosts with different CPUs (the example host roots
# cascadelake, skylake-oldmicrocode, graniterapids) and one central machine, each in its own
# network namespace joined by veth pairs (addresses 10.218.N.0/30, inside those namespaces
# only). Each host runs, in its own mount and UTS namespace (its hostname and machine-id):
# its own systemd-journald, `guestcap daemon` (its host root, watched folder, database and
# Prometheus textfile), prometheus-node-exporter with the textfile collector, and
# systemd-journal-upload. The central machine runs Prometheus with etc/prometheus/guestcap.rules.yml
# (scrape every 2 s, rules every 1 s) and systemd-journal-remote.
#
# Then: a guest on kvm-clx-01 is edited to be told taa-no → GuestCapViolatingGuest must fire
# within two scrape intervals, and the central journal must hold the opened entry with every
# field the host's own journal has; the guest is fixed → the alert resolves and the resolved
# entry arrives; finally `guestcap fleet --journal` over the central journal must agree with
# `guestcap fleet` over the three hosts' exports. Prints the firing and resolving times and the
# central journal query with its result. Exit 0 when every check passed, 1 otherwise.
#
# Needs root (namespaces, mounts). Installs its packages (scripts/ensure-deps.sh fleet),
# builds guestcap (or uses $GUESTCAP_BIN), and removes everything it made on exit
# (--keep leaves the work folder, printed at the start). About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

SCRAPE=2   # seconds
EVAL=1

# ---------------------------------------------------------------------------------------
# The inside of one host: run in its network namespace under `unshare --mount --uts`.
if [ "${1:-}" = "--host-inside" ]; then
    hd=$2 name=$3 addr=$4 central=$5 bin=$6
    hostname "$name"
    # `ip netns exec` mounts a fresh /sys without cgroups; journald needs them.
    mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
    mkdir -p "$hd/run-journal" "$hd/log" /run/systemd/journal /run/log/journal
    # Its own journald: socket folder, volatile storage, machine-id and configuration.
    mount --bind "$hd/run-journal" /run/systemd/journal
    mount --bind "$hd/log" /run/log/journal
    mount --bind "$hd/machine-id" /etc/machine-id
    mount --bind "$hd/journald.conf" /etc/systemd/journald.conf
    pids=()
    trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' TERM INT EXIT
    /lib/systemd/systemd-journald </dev/null >"$hd/journald.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        logger --journald <<<"MESSAGE=journald of $name answering" 2>/dev/null && break
        sleep 0.1
    done
    "$bin" daemon --config "$hd/guestcap.toml" --log-level notice </dev/null >"$hd/daemon.log" 2>&1 &
    pids+=($!)
    prometheus-node-exporter --web.listen-address="$addr:9100" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$hd/textfile" </dev/null >"$hd/node-exporter.log" 2>&1 &
    pids+=($!)
    /lib/systemd/systemd-journal-upload --url="http://$central:19532" --save-state="$hd/upload.state" \
        --directory=/run/log/journal \
        </dev/null >"$hd/upload.log" 2>&1 &
    pids+=($!)
    wait
    exit 0
fi

keep=0
for a in "$@"; do
    case "$a" in
        --keep) keep=1 ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "fleet-e2e.sh: unknown argument '$a' (usage: scripts/fleet-e2e.sh [--keep])" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "fleet-e2e.sh: must run as root (network and mount namespaces)" >&2; exit 1; }

scripts/ensure-deps.sh fleet
if [ -z "${GUESTCAP_BIN:-}" ]; then
    swift build --product guestcap >/dev/null
    GUESTCAP_BIN=$repo/.build/debug/guestcap
fi
bin=$GUESTCAP_BIN

work=$(mktemp -d /tmp/guestcap-fleet-e2e.XXXXXX)
chmod 755 "$work"
tag="gcf$$"
central_ns="$tag-c"
namespaces=("$central_ns")
started=()
failures=0

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S.%N | cut -c1-12)" "$*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
now() { date +%s.%N; }
# A persistent domain XML (stdin) as libvirt's live status file: what QEMU gave the running guest.
live() { printf "<domstatus state='running'>\n"; sed '1,/^-->$/d'; printf '</domstatus>\n'; }

cleanup() {
    local p
    for p in "${started[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${started[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

log "work folder $work"
ip netns add "$central_ns"
ip -n "$central_ns" link set lo up

hosts=(cascadelake skylake-oldmicrocode graniterapids)
# One migration pool of the three hosts for the db-N guests, at severity warning: they start
# migration-unsafe (the CPUs differ) without being violations, so GuestCapMigrationUnsafe fires
# from the start and the fleet's migration matrix is not empty.
mkdir -p "$work/pool"
for h in "${hosts[@]}"; do
    "$bin" host --host-root "$repo/examples/hosts/$h" --format json >"$work/pool/$h.json" || true
done
printf '[rules.migration-unsafe]\nseverity = "warning"\n\n[[pools]]\nname = "clx-skx-gnr"\nmembers = ["%s/pool/"]\nguests = ["db-*"]\n' \
    "$work" >"$work/policy.toml"
"$bin" policy check "$work/policy.toml" >/dev/null
names=()
targets=""
for i in 1 2 3; do
    root=$repo/examples/hosts/${hosts[$((i - 1))]}
    name=$(cat "$root/etc/hostname")
    names+=("$name")
    ns="$tag-h$i"
    namespaces+=("$ns")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "${tag}h$i" netns "$ns" type veth peer name "${tag}c$i" netns "$central_ns"
    ip -n "$central_ns" addr add "10.218.$i.1/30" dev "${tag}c$i"
    ip -n "$ns" addr add "10.218.$i.2/30" dev "${tag}h$i"
    ip -n "$central_ns" link set "${tag}c$i" up
    ip -n "$ns" link set "${tag}h$i" up
    targets+="${targets:+, }'10.218.$i.2:9100'"

    hd=$work/$name
    mkdir -p "$hd/guests" "$hd/textfile"
    cp "$root/etc/machine-id" "$hd/machine-id"
    printf '[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\nForwardToSyslog=no\nForwardToWall=no\n' \
        >"$hd/journald.conf"
    cat >"$hd/guestcap.toml" <<EOF
host_root = "$root"
policy = "$work/policy.toml"
database = "$hd/history.sqlite"
sample_interval = 2
[[watch]]
kind = "libvirt-live"
directory = "$hd/guests"
[export]
textfile = "$hd/textfile/guestcap.prom"
EOF
    # Two compliant running guests per host, as libvirt's live status files (/run/libvirt/qemu):
    # "web-N" and "db-N". On kvm-clx-01, web-1 has the Cascade Lake model its host backs (it is
    # the one edited below); the others pass the host through.
    passthrough() {  # NAME UUID-SUFFIX
        sed "/<feature /d; /<model /d; s|<cpu mode='custom' match='exact' check='partial'>|<cpu mode='host-passthrough' check='none'>|; s/web-force-taa/$1/; s/4f5a61/$2/" \
            examples/guests/web-force-taa.xml | live
    }
    if [ "$i" = 1 ]; then
        sed "/policy='force' name='taa-no'/d; s/web-force-taa/web-1/; s/4f5a61/4f5a71/" \
            examples/guests/web-force-taa.xml | live >"$hd/guests/web-1.xml"
        cp "$hd/guests/web-1.xml" "$work/web-1.compliant"
    else
        passthrough "web-$i" "4f5a7$i" >"$hd/guests/web-$i.xml"
    fi
    passthrough "db-$i" "4f5a8$i" >"$hd/guests/db-$i.xml"
done

# Central: journal-remote (one file per sending host) and Prometheus.
mkdir -p "$work/central/journal" "$work/central/tsdb"
cat >"$work/central/prometheus.yml" <<EOF
global:
  scrape_interval: ${SCRAPE}s
  evaluation_interval: ${EVAL}s
rule_files:
  - $repo/etc/prometheus/guestcap.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: [$targets]
EOF
promtool check config "$work/central/prometheus.yml" >/dev/null
ip netns exec "$central_ns" /lib/systemd/systemd-journal-remote --listen-http=0.0.0.0:19532 \
    --output="$work/central/journal/" --split-mode=host </dev/null >"$work/central/journal-remote.log" 2>&1 &
started+=($!)
ip netns exec "$central_ns" prometheus --config.file="$work/central/prometheus.yml" \
    --storage.tsdb.path="$work/central/tsdb" --web.listen-address=127.0.0.1:9090 \
    </dev/null >"$work/central/prometheus.log" 2>&1 &
started+=($!)

prom() {  # PATH [curl args]: a Prometheus API call from inside the central namespace
    local path=$1; shift
    ip netns exec "$central_ns" curl -sfG "http://127.0.0.1:9090$path" "$@"
}
for _ in $(seq 1 150); do prom /-/ready >/dev/null 2>&1 && break; sleep 0.2; done
prom /-/ready >/dev/null 2>&1 || { echo "fleet-e2e.sh: Prometheus did not start; see $work/central/prometheus.log" >&2; keep=1; exit 1; }
for _ in $(seq 1 50); do ip netns exec "$central_ns" bash -c ': </dev/tcp/127.0.0.1/19532' 2>/dev/null && break; sleep 0.1; done

for i in 1 2 3; do
    name=${names[$((i - 1))]}
    ip netns exec "$tag-h$i" unshare --mount --uts --propagation private \
        "$0" --host-inside "$work/$name" "$name" "10.218.$i.2" "10.218.$i.1" "$bin" &
    started+=($!)
done

central() { journalctl -q --no-pager -D "$work/central/journal" "$@" 2>/dev/null; }
# The one value of FIELD in journalctl's JSON lines on stdin, per line.
field() { python3 -c 'import json,sys
for l in sys.stdin:
    v=json.loads(l).get(sys.argv[1]); print(v if isinstance(v,str) else json.dumps(v))' "$1"; }

# All three hosts scraped with guestcap metrics, and all three daemons' start in the central journal.
deadline=$(( $(date +%s) + 90 ))
until [ "$(prom /api/v1/query --data-urlencode 'query=count(guestcap_report_timestamp_seconds)' \
          | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')" = 3 ] \
      && [ "$(central -o json GUESTCAP_EVENT=daemon-started | field _HOSTNAME | sort -u | wc -l)" = 3 ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "fleet-e2e.sh: the fleet did not come up within 90 s; logs in $work (run with --keep)" >&2
        keep=1
        exit 1
    fi
    sleep 0.5
done
log "3 hosts up: ${names[*]}; Prometheus scrapes each every ${SCRAPE}s, evaluates every ${EVAL}s"

violator=${names[0]}
inst="10.218.1.2:9100"
firing() {  # prints activeAt of the firing GuestCapViolatingGuest on host 1, if any
    prom /api/v1/alerts | python3 -c 'import json,sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    l=a["labels"]
    if l["alertname"]=="GuestCapViolatingGuest" and l["instance"]==sys.argv[1] and a["state"]=="firing": print(a["activeAt"])' "$inst"
}
epoch() {  # an RFC 3339 time with nanoseconds, as Prometheus writes it, to Unix seconds
    python3 -c 'import sys,datetime,re
m=re.match(r"(.{19})(?:\.(\d+))?Z$", sys.argv[1])
t=datetime.datetime.fromisoformat(m[1]+"+00:00").timestamp()
print(t + (int(m[2])/10**len(m[2]) if m[2] else 0))' "$1"
}

violations=$(prom /api/v1/query --data-urlencode 'query=sum(guestcap_guests{status="violating"})' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
[ "$violations" = 0 ] || fail "the fleet has $violations violating guests before the edit (expected 0)"
[ -z "$(firing)" ] || fail "GuestCapViolatingGuest fires before any guest violates"
unsafe_hosts=""
for _ in $(seq 1 50); do
    unsafe_hosts=$(prom /api/v1/alerts | python3 -c 'import json,sys
print(" ".join(sorted(a["labels"]["instance"] for a in json.load(sys.stdin)["data"]["alerts"]
    if a["labels"]["alertname"]=="GuestCapMigrationUnsafe" and a["state"]=="firing")))')
    [ -n "$unsafe_hosts" ] && break
    sleep 0.2
done
if [ -n "$unsafe_hosts" ]; then
    log "GuestCapMigrationUnsafe firing for $unsafe_hosts (db-N in pool clx-skx-gnr)"
else
    fail "GuestCapMigrationUnsafe does not fire for the pool's guests"
fi

# guestcap fleet over the hosts' exports (of the last hour) and over the central journal must
# say the same, but for what names the inputs (files, generation time, period).
fleet_agree() {  # LABEL
    local label=$1 dir=$work/fleet-$2 name rc_exports rc_journal diff
    mkdir -p "$dir/exports"
    for name in "${names[@]}"; do
        "$bin" export --database "$work/$name/history.sqlite" --policy "$work/policy.toml" \
            --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --format json --output "$dir/exports/$name.json"
    done
    set +e
    "$bin" fleet --format json "$dir/exports" >"$dir/exports.json"; rc_exports=$?
    "$bin" fleet --format json --journal "$work/central/journal" >"$dir/journal.json"; rc_journal=$?
    set -e
    [ "$rc_exports" = "$rc_journal" ] || fail "$label: guestcap fleet exits $rc_exports over the exports but $rc_journal over the journal"
    if diff=$(python3 - "$dir/exports.json" "$dir/journal.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def strip(r):
    r = dict(r)
    for k in ("generated_at", "period"): r.pop(k, None)
    r["inputs"] = {"hosts": r["inputs"]["hosts"], "unreadable": r["inputs"]["unreadable"]}
    r["worst_hosts"] = [{k: v for k, v in h.items() if k != "file"} for h in r["worst_hosts"]]
    return r
a, b = strip(a), strip(b)
bad = [k for k in a if a[k] != b.get(k)]
for k in bad: print(f"{k}:\n  exports {json.dumps(a[k])}\n  journal {json.dumps(b.get(k))}")
open_now = ["%s: %s" % (h["hostname"], ", ".join("%s %s" % (o.get("guest"), o["rule"]) for o in h["open"]))
            for h in a["worst_hosts"] if h["open"]]
print("open now: " + ("; ".join(open_now) or "nothing at error or above"))
sys.exit(1 if bad else 0)
PY
    ); then
        log "$label: guestcap fleet --journal agrees with guestcap fleet over the 3 exports (totals, worst hosts, findings by rule, host states, migrated guests, migration matrix); ${diff}"
    else
        fail "$label: guestcap fleet --journal and guestcap fleet over the exports differ:"
        echo "$diff"
    fi
}

# --- A violating guest appears: web-1 on kvm-clx-01 is now told taa-no (its live file records
# it, as after a migration in from a host whose KVM passed taa-no). ---------------------------
sed "s/web-force-taa/web-1/; s/4f5a61/4f5a71/" examples/guests/web-force-taa.xml | live >"$work/web-1.xml.new"
t0=$(now)
mv "$work/web-1.xml.new" "$work/$violator/guests/web-1.xml"
log "web-1 on $violator edited: <feature policy='force' name='taa-no'/>"
active=""
until [ -n "$active" ]; do
    active=$(firing)
    [ -n "$active" ] && break
    if python3 -c "import sys; sys.exit(0 if $(now) - $t0 > 30 else 1)"; then fail "GuestCapViolatingGuest did not fire within 30 s"; break; fi
    sleep 0.1
done
t_seen=$(now)
if [ -n "$active" ]; then
    t_active=$(epoch "$active")
    fire=$(python3 -c "print(f'{$t_active - $t0:.2f}')")
    log "ALERT FIRING: GuestCapViolatingGuest{instance=\"$inst\"} activeAt $active: $fire s after the edit (seen by polling after $(python3 -c "print(f'{$t_seen - $t0:.2f}')") s); limit 2 scrape intervals = $((2 * SCRAPE)) s"
    python3 -c "import sys; sys.exit(0 if $t_active - $t0 <= 2 * $SCRAPE else 1)" \
        || fail "the alert fired $fire s after the edit, more than two scrape intervals ($((2 * SCRAPE)) s)"
fi

immunity=cc1d99c814a045468b3df9ff627be459
resolved_id=d5a032e45bbe4fae8e473d796c676c2c
wait_central() {  # MATCH...: waits up to 30 s for an entry in the central journal, prints its JSON
    local out
    for _ in $(seq 1 300); do
        out=$(central -o json "$@" | head -n 1)
        [ -n "$out" ] && { echo "$out"; return 0; }
        sleep 0.1
    done
    return 1
}
# Every field the host's own journal has, the central one has with the same value (cursors and
# sequence numbers are each journal's own).
same_fields() {  # CENTRAL_JSON HOST_FOLDER
    python3 - "$1" "$2" <<'PY'
import json, subprocess, sys
c = json.loads(sys.argv[1])
out = subprocess.run(["journalctl", "-q", "--no-pager", "-D", sys.argv[2], "-o", "json",
                      "GUESTCAP_TRANSITION_ID=" + c["GUESTCAP_TRANSITION_ID"]], capture_output=True, text=True).stdout
lines = [l for l in out.splitlines() if l.strip()]
if len(lines) != 1:
    print(f"the host's journal has {len(lines)} entries with that transition id"); sys.exit(1)
h = json.loads(lines[0])
own = {"__CURSOR", "__SEQNUM", "__SEQNUM_ID"}
bad = [k for k in h if k not in own and h[k] != c.get(k)]
gc = sorted(k for k in h if k.startswith("GUESTCAP_"))
if bad:
    print("differ or missing centrally: " + ", ".join(bad)); sys.exit(1)
print(f"{len(h) - len(own & h.keys())} fields identical, {len(gc)} of them GUESTCAP_*: {' '.join(gc)}")
PY
}

if opened=$(wait_central MESSAGE_ID=$immunity GUESTCAP_GUEST_NAME=web-1 GUESTCAP_EVENT=opened); then
    log "central journal: opened entry from $(echo "$opened" | field _HOSTNAME) arrived $(python3 -c "print(f'{$(now) - $t0:.2f}')") s after the edit"
    same=$(same_fields "$opened" "$work/$violator/log") || fail "opened entry: $same"
    log "  $same"
    for f in GUESTCAP_RULE GUESTCAP_SEVERITY GUESTCAP_STATE GUESTCAP_GUEST_UUID GUESTCAP_CONFIG_PATH GUESTCAP_BITS \
             GUESTCAP_ORIGIN GUESTCAP_GUEST_VALUE GUESTCAP_JUSTIFIED_VALUE GUESTCAP_HOST_VALUE GUESTCAP_FINDING_ID; do
        [ "$(echo "$opened" | field $f)" != None ] || fail "the central opened entry has no $f"
    done
else
    fail "no opened entry for web-1 in the central journal within 30 s"
fi

echo
echo "The security engineer's question, on the central journal: which guests on which hosts are told"
echo "taa-no that the host cannot back, since when, from which config line:"
echo
query=(MESSAGE_ID=$immunity GUESTCAP_BIT=taa-no)
echo "  journalctl -D $work/central/journal ${query[*]} -o json"
central -o json "${query[@]}" | python3 -c '
import json, sys, datetime
for line in sys.stdin:
    e = json.loads(line)
    t = datetime.datetime.fromtimestamp(int(e["__REALTIME_TIMESTAMP"]) / 1e6, datetime.timezone.utc)
    print("    %s  host %s  guest %s (%s)  %s" % (t.isoformat(timespec="milliseconds"), e["_HOSTNAME"],
          e["GUESTCAP_GUEST_NAME"], e["GUESTCAP_GUEST_UUID"], e["GUESTCAP_STATE"]))
    print("      told %s, host backs %s: %s" % (e["GUESTCAP_GUEST_VALUE"], e["GUESTCAP_JUSTIFIED_VALUE"],
          e["GUESTCAP_ORIGIN"]))
    print("      " + e["MESSAGE"])' || fail "the central journal query failed"
echo

fleet_agree "while web-1 violates" violating

# --- Fixed: web-1 is compliant again. --------------------------------------------------------
t1=$(now)
cp "$work/web-1.compliant" "$work/web-1.xml.new"
mv "$work/web-1.xml.new" "$work/$violator/guests/web-1.xml"
log "web-1 on $violator fixed"
gone=""
for _ in $(seq 1 300); do
    [ -z "$(firing)" ] && { gone=$(now); break; }
    sleep 0.1
done
if [ -n "$gone" ]; then
    log "ALERT RESOLVED: GuestCapViolatingGuest gone from Prometheus' alerts $(python3 -c "print(f'{$gone - $t1:.2f}')") s after the fix"
    python3 -c "import sys; sys.exit(0 if $gone - $t1 <= 2 * $SCRAPE + 1 else 1)" \
        || fail "the alert resolved later than two scrape intervals after the fix (+1 s polling)"
else
    fail "GuestCapViolatingGuest still firing 30 s after the fix"
fi
if [ -n "${opened:-}" ]; then
    fid=$(echo "$opened" | field GUESTCAP_FINDING_ID)
    if res=$(wait_central MESSAGE_ID=$resolved_id GUESTCAP_FINDING_ID="$fid"); then
        log "central journal: resolved entry arrived $(python3 -c "print(f'{$(now) - $t1:.2f}')") s after the fix: $(echo "$res" | field MESSAGE)"
        same=$(same_fields "$res" "$work/$violator/log") || fail "resolved entry: $same"
        log "  $same"
    else
        fail "no resolved entry for web-1 in the central journal within 30 s"
    fi
fi

# --- The fleet view: from the central journal, and from the hosts' exports. ------------------
fleet_agree "after the fix" fixed
echo
"$bin" fleet --journal "$work/central/journal" --top 5 | sed 's/^/    /' || true
echo

# Sizes, for docs/fleet.md: the textfile, and the guestcap entries as journal-upload sends them.
for name in "${names[@]}"; do
    log "size: $name textfile $(wc -c <"$work/$name/textfile/guestcap.prom") bytes, $(grep -vc '^#' "$work/$name/textfile/guestcap.prom") series;" \
        "$(central _HOSTNAME="$name" SYSLOG_IDENTIFIER=guestcap -o json | wc -l) guestcap entries in the central journal"
done
n=$(central SYSLOG_IDENTIFIER=guestcap -o json | wc -l)
bytes=$(central SYSLOG_IDENTIFIER=guestcap -o export | wc -c)
log "size: $n guestcap entries, $bytes bytes in the export format (what journal-upload sends): $((bytes / n)) bytes each"

if [ "$failures" -gt 0 ]; then
    echo "fleet-e2e.sh: $failures check(s) failed; logs in $work" >&2
    keep=1
    exit 1
fi
log "fleet end to end: every check passed"
