#!/usr/bin/env bash
# ensure-deps.sh — install what guestcap needs to build and test, idempotently.
#
# usage: scripts/ensure-deps.sh [-v] [GROUP...]
#   GROUP: base (always), libvirt, browser, journal-tools, metrics, fleet, vm, all
#
#   base          libsystemd-dev libsqlite3-dev libxml2-utils, systemd (journald,
#                 journalctl), bsdutils (logger), sqlite3, make, gcc + binutils (the
#                 probe kernel, scripts/build-probe.sh); plus the Python jsonschema module
#   libvirt       libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
#   browser       chromium
#   journal-tools python3-systemd (for /usr/bin/python3 only) and gcc, for ad-hoc
#                 sd_journal_send probes; tests do not need it
#   metrics       prometheus, for promtool: the Prometheus tests run `promtool check
#                 metrics`. scripts/test.sh installs it (the package also ships a
#                 Prometheus server unit, which nothing here starts)
#
#   fleet         prometheus prometheus-node-exporter systemd-journal-remote, for
#                 scripts/fleet-e2e.sh (servers started by hand in network namespaces;
#                 journal-remote also ships systemd-journal-upload)
#   vm            debootstrap qemu-utils qemu-system-x86 e2fsprogs, gcc and libc6-dev (a static
#                 test VMM), for scripts/vm-e2e.sh
#
# scripts/test-tools.txt lists which group brings each program a test runs.
#
# Quiet when everything is present. `apt-get update` runs only when a package
# is missing (and then once). Every package name here was checked with
# `apt-cache policy` on Debian 12 (bookworm): libvirt 9.0.0-4+deb12u2,
# qemu-system-x86 1:7.2+dfsg-7+deb12u18, chromium 156, python3-jsonschema 4.10.3.
#
# --no-install-recommends on purpose: libvirt-daemon recommends
# libvirt-daemon-system (init scripts, polkit, dnsmasq, iptables, the
# libvirt-qemu user) which we neither need nor can run without systemd;
# scripts/start-libvirt.sh does the few things it would have done.
set -euo pipefail

usage() { echo "usage: $0 [-v] [base|libvirt|browser|journal-tools|metrics|fleet|vm|all]..." >&2; exit 2; }

verbose=0
groups=(base)
for a in "$@"; do
    case "$a" in
        -v|--verbose) verbose=1 ;;
        -h|--help) usage ;;
        base|libvirt|browser|journal-tools|metrics|fleet|vm) groups+=("$a") ;;
        all) groups+=(libvirt browser journal-tools metrics fleet vm) ;;
        *) echo "ensure-deps.sh: unknown group '$a'" >&2; usage ;;
    esac
done

say() { if [ "$verbose" = 1 ]; then echo "ensure-deps: $*" >&2; fi; }

pkgs=()
for g in "${groups[@]}"; do
    case "$g" in
        base) pkgs+=(libsystemd-dev libsqlite3-dev libxml2-utils systemd bsdutils sqlite3 make gcc binutils) ;;
        libvirt) pkgs+=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86) ;;
        browser) pkgs+=(chromium) ;;
        journal-tools) pkgs+=(python3-systemd gcc) ;;
        metrics) pkgs+=(prometheus) ;;
        fleet) pkgs+=(prometheus prometheus-node-exporter systemd-journal-remote) ;;
        vm) pkgs+=(debootstrap qemu-utils qemu-system-x86 e2fsprogs gcc libc6-dev) ;;
    esac
done

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
for p in "${pkgs[@]}"; do
    is_installed "$p" || missing+=("$p")
done

if [ "$(id -u)" != 0 ] && { [ "${#missing[@]}" -gt 0 ] || ! python3 -c 'import jsonschema' 2>/dev/null; }; then
    echo "ensure-deps.sh: must run as root to install: ${missing[*]:-python jsonschema}" >&2
    exit 1
fi

apt_updated=0
apt_update_once() {
    if [ "$apt_updated" = 0 ]; then
        echo "ensure-deps: apt-get update" >&2
        # DPkg lock timeout: another script (or a concurrent CI step) may hold it.
        if ! DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>/tmp/ensure-deps.update.err; then
            cat /tmp/ensure-deps.update.err >&2
            echo "ensure-deps.sh: apt-get update failed" >&2
            exit 1
        fi
        apt_updated=1
    fi
}
apt_install() {
    local log
    echo "ensure-deps: installing $*" >&2
    log=$(mktemp /tmp/ensure-deps.XXXXXX.log)
    if ! DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 \
            install --no-install-recommends "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "ensure-deps.sh: apt-get install $* failed (log: $log)" >&2
        exit 1
    fi
    rm -f "$log"
}

if [ "${#missing[@]}" -gt 0 ]; then
    apt_update_once
    apt_install "${missing[@]}"
else
    say "packages present: ${pkgs[*]}"
fi

# Python jsonschema, for validating JSON output against the contract schemas.
# `python3` on PATH is what the tests call; on the stock image it is a pyenv
# 3.11 (not /usr/bin/python3), so pip comes first and the Debian package is
# the fallback (it only helps when python3 is the system one).
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "ensure-deps: installing python jsonschema" >&2
    if ! python3 -m pip install -q jsonschema >/dev/null 2>&1; then
        apt_update_once
        apt_install python3-jsonschema
    fi
    if ! python3 -c 'import jsonschema' 2>/dev/null; then
        echo "ensure-deps.sh: python3 ($(command -v python3)) still cannot import jsonschema" >&2
        exit 1
    fi
else
    say "python jsonschema importable"
fi
