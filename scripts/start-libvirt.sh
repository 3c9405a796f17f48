#!/usr/bin/env bash
# start-libvirt.sh — make sure a real libvirtd (QEMU driver, TCG guests) answers
# on qemu:///system, on a machine where systemd is not PID 1.
#
# usage: scripts/start-libvirt.sh [-v] [--start|--stop|--restart|--status]
#   (default --start)  install the libvirt packages if missing, prepare the host,
#                      start virtlogd then libvirtd (each only if not running), wait
#                      until `virsh -c qemu:///system list` answers and QEMU's
#                      capabilities are probed
#   --stop             stop libvirtd then virtlogd (SIGTERM, SIGKILL after 15 s).
#                      Running guests are NOT destroyed (libvirtd reattaches to them
#                      on its next start); run `scripts/libvirt-domain.sh cleanup
#                      PREFIX` first if they should go.
#   --restart          --stop then --start
#   --status           exit 0 if `virsh list` answers, else 1
# env: LIBVIRT_TIMEOUT (seconds to wait for the daemon, default 120)
#
# Quirks of this machine and why each step exists:
# * Packages: only libvirt-daemon, -driver-qemu, -clients and qemu-system-x86
#   (scripts/ensure-deps.sh libvirt). libvirt-daemon-system is NOT installed: it is
#   what normally ships /etc/libvirt/{libvirtd,qemu}.conf, the init units and the
#   libvirt-qemu user. Without the .conf files libvirtd runs on built-in defaults,
#   which are fine here (root-only unix socket, no TLS/TCP, DAC security driver).
# * User libvirt-qemu (group libvirt-qemu, member of kvm): Debian builds libvirt with
#   qemu_user=libvirt-qemu; libvirtd refuses to start guests if the user is missing.
#   We create it as libvirt-daemon-system's postinst would.
# * /dev/kvm: present here (the kernel has kvm + kvm_pvm, no vmx/svm flag) but
#   root:root 0600 because no udevd applies the usual "kvm group, 0660" rule. libvirt
#   probes QEMU's capabilities once and caches them in /var/cache/libvirt/qemu; the
#   cache records "KVM usable", and libvirt re-checks it as the libvirt-qemu user on
#   every lookup. With /dev/kvm unreadable for that user every define/start found the
#   cache "outdated" and re-probed QEMU (≈32 s per `virsh define`, measured). We apply
#   the udev rule by hand: chgrp kvm, chmod 0660. Guests are still type='qemu' (TCG);
#   nothing here uses KVM.
# * No AppArmor/SELinux here: libvirt reports secmodel none + dac by itself, so
#   /etc/libvirt/qemu.conf needs no security_driver line (we write no qemu.conf).
# * No systemd/machined/dbus: libvirt falls back to managing cgroups (v1 hybrid here)
#   itself; nothing to do.
# * No networking: no libvirt network is defined (libvirt-daemon-config-network is
#   not installed), so no dnsmasq/iptables; test guests have no <interface>.
# * PID 1 here reaps orphans lazily: QEMU processes are daemonized by libvirt, so an
#   exiting QEMU is a zombie for a second or two and `virsh destroy` waits for it
#   (≈1.3-2 s per destroy).
# * Daemon logs go to files (/var/log/libvirt/{libvirtd,virtlogd}.log at level 3)
#   rather than the default journald output, so libvirt's own messages do not mix
#   into the journal that guestcap's tests read.
# * The first QEMU capabilities probe after install takes a while with TCG; we do
#   it here (virsh domcapabilities) so a test's first define does not pay for it.
set -euo pipefail

prog=start-libvirt
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
URI=qemu:///system
TIMEOUT=${LIBVIRT_TIMEOUT:-120}

parse_start_args "$@"

answering() { timeout 10 virsh -q -c "$URI" list >/dev/null 2>&1; }

# pid of daemon $1 (libvirtd|virtlogd) from its pidfile, if it really is that daemon
daemon_pid() {
    local pidfile=/run/$1.pid pid exe
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    if [ "$exe" = "/usr/sbin/$1" ]; then echo "$pid"; fi
    return 0
}

stop_daemon() {
    local name=$1 pid
    pid=$(daemon_pid "$name")
    if [ -z "$pid" ]; then say "$name not running"; return 0; fi
    say "stopping $name pid $pid"
    stop_pid "$name" "$pid" 15
}

prepare_host() {
    "$here/ensure-deps.sh" libvirt
    getent group kvm >/dev/null || groupadd --system kvm
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    if ! getent passwd libvirt-qemu >/dev/null; then
        say "creating user libvirt-qemu"
        useradd --system --no-create-home --home-dir /var/lib/libvirt \
            --shell /usr/sbin/nologin -g libvirt-qemu -G kvm -c "Libvirt Qemu" libvirt-qemu
    elif ! id -nG libvirt-qemu | tr ' ' '\n' | grep -qx kvm; then
        usermod -a -G kvm libvirt-qemu
    fi
    if [ -c /dev/kvm ]; then
        # What udev's "KERNEL==kvm, GROUP=kvm, MODE=0660" would do; see header.
        chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
    fi
    mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
}

do_start() {
    local deadline
    [ "$(id -u)" = 0 ] || die "must run as root"
    prepare_host
    if [ -z "$(daemon_pid virtlogd)" ]; then
        say "starting virtlogd"
        LIBVIRT_LOG_OUTPUTS="3:file:/var/log/libvirt/virtlogd.log" virtlogd -d \
            || die "virtlogd -d failed; see /var/log/libvirt/virtlogd.log"
    fi
    if answering; then
        say "libvirtd already answering"
    else
        if [ -n "$(daemon_pid libvirtd)" ]; then
            die "libvirtd (pid $(daemon_pid libvirtd)) is running but not answering (stopped?); use --restart"
        fi
        say "starting libvirtd"
        LIBVIRT_LOG_OUTPUTS="3:file:/var/log/libvirt/libvirtd.log" libvirtd -d \
            || die "libvirtd -d failed; see /var/log/libvirt/libvirtd.log"
        deadline=$(( $(date +%s) + TIMEOUT ))
        until answering; do
            if [ "$(date +%s)" -ge "$deadline" ]; then
                die "libvirtd did not answer 'virsh -c $URI list' within ${TIMEOUT}s; see /var/log/libvirt/libvirtd.log: $(tail -n 3 /var/log/libvirt/libvirtd.log 2>/dev/null | tr '\n' ' ')"
            fi
            sleep 0.2
        done
    fi
    # Probe (or load the cached) QEMU capabilities now, bounded.
    if ! timeout "$TIMEOUT" virsh -q -c "$URI" domcapabilities --virttype qemu \
            --arch x86_64 --machine pc >/dev/null 2>"/run/libvirt/.guestcap-domcaps.err"; then
        die "virsh domcapabilities failed or took over ${TIMEOUT}s: $(cat /run/libvirt/.guestcap-domcaps.err)"
    fi
    rm -f /run/libvirt/.guestcap-domcaps.err
    say "libvirtd pid $(daemon_pid libvirtd) answering on $URI"
}

do_stop() {
    stop_daemon libvirtd
    stop_daemon virtlogd
}

case "$action" in
    start) do_start ;;
    stop) do_stop ;;
    restart) do_stop; do_start ;;
    status)
        if answering; then say "answering"; exit 0; fi
        say "not answering"; exit 1 ;;
esac
