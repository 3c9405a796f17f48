#!/usr/bin/env bash
# Static checks of guestcap's systemd files; needs no running systemd (PID 1
# may be anything) and no built binary.
#
#   1. systemd-analyze verify on every unit in systemd/. verify refuses a unit
#      whose ExecStart= binary does not exist, so the units are copied to a
#      temporary directory with /usr/bin/guestcap replaced by a stand-in
#      executable ($GUESTCAP_BIN if set, else a two-line stub). Everything
#      else is verified exactly as shipped.
#   2. systemd-analyze security --offline=true on both services; fails if an
#      overall exposure is above $MAX_EXPOSURE (default 2.0).
#   3. The journal catalog compiles (journalctl --update-catalog into a
#      temporary root) and has exactly the MESSAGE_IDs of
#      systemd/message-ids.tsv, each with the required headers; the table in
#      docs/service.md lists the same names and ids.
#   4. etc/modules-load.d/guestcap.conf loads msr.
#
# Usage: scripts/check-units.sh        (exit 0: all passed; 1: a check failed)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
units_dir=$top/systemd
max_exposure=${MAX_EXPOSURE:-2.0}
installed_bin=/usr/bin/guestcap
services=(guestcap.service guestcap-export.service)
units=(guestcap.service guestcap-export.service guestcap-export.timer)

failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
ok() { printf 'ok:   %s\n' "$*"; }

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found" >&2; exit 1; }
systemd_version=$(systemd-analyze --version | awk 'NR == 1 { print $2 }')
# --offline= appeared in systemd 250.
if [ "${systemd_version%%.*}" -lt 250 ] 2>/dev/null; then
    echo "systemd $systemd_version is too old: security --offline needs 250 or later" >&2
    exit 1
fi
echo "systemd-analyze $systemd_version"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- 1. verify --------------------------------------------------------------
stand_in=${GUESTCAP_BIN:-}
if [ -z "$stand_in" ]; then
    stand_in=$work/guestcap
    printf '#!/bin/sh\nexit 0\n' >"$stand_in"
    chmod 0755 "$stand_in"
fi
[ -x "$stand_in" ] || { echo "stand-in $stand_in is not executable" >&2; exit 1; }

mkdir "$work/units"
for unit in "${units[@]}"; do
    src=$units_dir/$unit
    [ -f "$src" ] || { fail "$unit: missing"; continue; }
    case $unit in
    *.service)
        # The substitution must not be a silent no-op.
        grep -q "^ExecStart=$installed_bin " "$src" ||
            fail "$unit: ExecStart= does not run $installed_bin"
        ;;
    esac
    sed "s|$installed_bin|$stand_in|g" "$src" >"$work/units/$unit"
done

# --man=no: the man page is installed by the package, not present here.
# --recursive-errors=no: judge our units, not whatever libvirtd.service or
# modprobe@.service look like on this machine.
verify_out=$(cd "$work/units" && systemd-analyze verify --man=no --recursive-errors=no \
    "${units[@]/#/$work/units/}" 2>&1) && verify_rc=0 || verify_rc=$?
if [ "$verify_rc" -ne 0 ] || [ -n "$verify_out" ]; then
    printf '%s\n' "$verify_out" | sed "s|$work/units/|systemd/|g; s|$stand_in|$installed_bin|g" >&2
    fail "systemd-analyze verify (exit $verify_rc)"
else
    ok "systemd-analyze verify: ${units[*]} (no warnings; ExecStart= via stand-in $stand_in)"
fi

# ---- 2. security ------------------------------------------------------------
for service in "${services[@]}"; do
    [ -f "$units_dir/$service" ] || continue
    out=$(systemd-analyze security --offline=true --no-pager "$units_dir/$service" 2>&1) || true
    score=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -z "$score" ]; then
        printf '%s\n' "$out" >&2
        fail "$service: no exposure level in systemd-analyze security output"
    elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
        printf '%s\n' "$out" | grep '✗' >&2 || true
        fail "$service: exposure $score > $max_exposure"
    else
        ok "$service: exposure $score (limit $max_exposure)"
    fi
done

# ---- 3. catalog and message ids ----------------------------------------------
catalog=$units_dir/guestcap.catalog
tsv=$units_dir/message-ids.tsv
if [ -f "$catalog" ] && [ -f "$tsv" ]; then
    bad_rows=$(grep -vE $'^[a-z][a-z-]*\t[0-9a-f]{32}$' "$tsv" || true)
    [ -z "$bad_rows" ] || fail "message-ids.tsv: malformed rows: $bad_rows"
    dups=$( (cut -f1 "$tsv"; cut -f2 "$tsv") | sort | uniq -d)
    [ -z "$dups" ] || fail "message-ids.tsv: duplicate names or ids: $dups"

    sed -n 's/^-- \([0-9a-f]*\)$/\1/p' "$catalog" | sort >"$work/catalog.ids"
    cut -f2 "$tsv" | sort >"$work/tsv.ids"
    if ! diff -u "$work/tsv.ids" "$work/catalog.ids" >"$work/ids.diff"; then
        cat "$work/ids.diff" >&2
        fail "guestcap.catalog and message-ids.tsv list different MESSAGE_IDs (- tsv, + catalog)"
    fi
    # Each entry: Subject, Defined-By: guestcap, man page, a body.
    missing=$(awk '
        function check() {
            if (id != "" && !(subject && defined && man && body)) print id
        }
        /^-- / { check(); id = $2; subject = defined = man = body = 0; header = 1; next }
        id == "" { next }
        header && /^$/ { header = 0; next }
        header && /^Subject: ./ { subject = 1 }
        header && /^Defined-By: guestcap$/ { defined = 1 }
        header && /^Documentation: man:guestcap\(8\)$/ { man = 1 }
        !header && /[^ ]/ { body = 1 }
        END { check() }' "$catalog")
    [ -z "$missing" ] || fail "guestcap.catalog: entries missing Subject/Defined-By/Documentation/body: $missing"

    mkdir -p "$work/root/usr/lib/systemd/catalog"
    cp "$catalog" "$work/root/usr/lib/systemd/catalog/"
    if journalctl --root="$work/root" --update-catalog 2>"$work/catalog.err" &&
        [ ! -s "$work/catalog.err" ]; then
        compiled=$(journalctl --root="$work/root" --list-catalog 2>/dev/null | wc -l)
        expected=$(wc -l <"$tsv")
        if [ "$compiled" -eq "$expected" ]; then
            ok "guestcap.catalog: $compiled entries compile and match message-ids.tsv"
        else
            fail "guestcap.catalog: $compiled entries compiled, $expected expected"
        fi
    else
        cat "$work/catalog.err" >&2
        fail "guestcap.catalog does not compile (journalctl --update-catalog)"
    fi
else
    fail "missing $catalog or $tsv"
fi

# The operator-facing table in docs/service.md lists the same ids.
docs=$top/docs/service.md
if [ -f "$docs" ] && [ -f "$tsv" ]; then
    sed -n 's/^| \([a-z-]*\) | \([0-9a-f]\{32\}\) |.*/\1\t\2/p' "$docs" | sort >"$work/docs.ids"
    if diff -u <(sort "$tsv") "$work/docs.ids" >"$work/docs.diff"; then
        ok "docs/service.md: message-id table matches message-ids.tsv"
    else
        cat "$work/docs.diff" >&2
        fail "docs/service.md message-id table differs from message-ids.tsv (- tsv, + docs)"
    fi
fi

# ---- 4. modules-load.d ----------------------------------------------------------
if grep -qx 'msr' "$top/etc/modules-load.d/guestcap.conf" 2>/dev/null; then
    ok "etc/modules-load.d/guestcap.conf loads msr"
else
    fail "etc/modules-load.d/guestcap.conf does not load msr"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all unit checks passed"
