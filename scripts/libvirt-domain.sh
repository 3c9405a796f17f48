#!/usr/bin/env bash
# libvirt-domain.sh — define/start/stop tiny TCG guests on the real libvirtd for tests.
#
# usage: scripts/libvirt-domain.sh define NAME CPU_SNIPPET_FILE
#        scripts/libvirt-domain.sh xml NAME CPU_SNIPPET_FILE     (print the XML only)
#        scripts/libvirt-domain.sh start|destroy|undefine NAME
#        scripts/libvirt-domain.sh cleanup PREFIX
#
# CPU_SNIPPET_FILE holds a <cpu>...</cpu> element that goes into the domain verbatim;
# an empty file, `none` or /dev/null means no <cpu> element at all; `-` reads stdin.
# The guest: <domain type='qemu'> (TCG; LIBVIRT_DOMAIN_TYPE=kvm for KVM), 64 MiB, 1 vCPU, machine 'pc',
# no disk, no network, no graphics, no balloon/USB. QEMU starts and sits in SeaBIOS
# ("no bootable device"), which is all the tests need: libvirt writes the live
# /run/libvirt/qemu/NAME.xml and there is a qemu-system-x86_64 process with a -cpu.
#
# destroy/undefine are idempotent (a domain already off / already gone is fine);
# cleanup destroys and undefines every domain whose name starts with PREFIX.
# Needs libvirtd running: scripts/start-libvirt.sh. env: LIBVIRT_URI (default
# qemu:///system), LIBVIRT_DOMAIN_TYPE (default qemu; kvm for the probe tests' KVM cases).
#
# Timing here (2 cores, TCG, libvirt 9.0, QEMU 7.2, 5 runs): define 0.03-0.07 s,
# start 0.42-0.71 s, destroy 1.3-2.1 s (libvirt waits for PID 1 to reap the exited
# QEMU), undefine 0.04-0.08 s: ≈2-3 s per guest in all.
set -euo pipefail

usage() {
    echo "usage: $0 define NAME CPU_SNIPPET_FILE | xml NAME CPU_SNIPPET_FILE | start NAME | destroy NAME | undefine NAME | cleanup PREFIX" >&2
    exit 2
}

URI=${LIBVIRT_URI:-qemu:///system}
virsh_() { virsh -q -c "$URI" "$@"; }
die() { echo "libvirt-domain.sh: $*" >&2; exit 1; }

domain_xml() {
    local name=$1 snippet=$2 cpu=""
    case "$snippet" in
        none|"") cpu="" ;;
        -) cpu=$(cat) ;;
        *) [ -r "$snippet" ] || die "cannot read CPU snippet file '$snippet'"
           cpu=$(cat "$snippet") ;;
    esac
    case "$name" in
        *[!A-Za-z0-9._-]*|"") die "domain name '$name' must match [A-Za-z0-9._-]+" ;;
    esac
    case "${LIBVIRT_DOMAIN_TYPE:-qemu}" in
        qemu|kvm) ;;
        *) die "LIBVIRT_DOMAIN_TYPE must be qemu or kvm, not '$LIBVIRT_DOMAIN_TYPE'" ;;
    esac
    cat <<EOF
<domain type='${LIBVIRT_DOMAIN_TYPE:-qemu}'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <currentMemory unit='MiB'>64</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
${cpu:+  $cpu
}  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

exists() { virsh_ domstate "$1" >/dev/null 2>&1; }
state() { virsh_ domstate "$1" 2>/dev/null | head -n 1; }

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
    xml)
        [ $# -eq 2 ] || usage
        domain_xml "$1" "$2" ;;
    define)
        [ $# -eq 2 ] || usage
        tmp=$(mktemp /tmp/guestcap-domain.XXXXXX.xml)
        trap 'rm -f "$tmp"' EXIT
        domain_xml "$1" "$2" >"$tmp"
        virsh_ define "$tmp" >/dev/null ;;
    start)
        [ $# -eq 1 ] || usage
        virsh_ start "$1" >/dev/null ;;
    destroy)
        [ $# -eq 1 ] || usage
        exists "$1" || exit 0
        case "$(state "$1")" in
            "shut off") exit 0 ;;
        esac
        virsh_ destroy "$1" >/dev/null ;;
    undefine)
        [ $# -eq 1 ] || usage
        exists "$1" || exit 0
        virsh_ undefine "$1" >/dev/null ;;
    cleanup)
        if [ $# -ne 1 ] || [ -z "$1" ]; then usage; fi
        virsh_ list --all --name | while IFS= read -r d; do
            [ -n "$d" ] || continue
            case "$d" in
                "$1"*)
                    if [ "$(state "$d")" != "shut off" ]; then
                        virsh_ destroy "$d" >/dev/null 2>&1 || true
                    fi
                    virsh_ undefine "$d" >/dev/null ;;
            esac
        done ;;
    -h|--help) usage ;;
    *) usage ;;
esac
