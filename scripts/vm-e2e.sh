#!/usr/bin/env bash
# vm-e2e.sh — guestcap on a real host: a Debian 12 VM under systemd, with libvirt, QEMU and
# its own /dev/kvm. Installs the .deb as the README says and runs scripts/vm-e2e-test.sh
# inside (assertions, each with its evidence). See docs/vm-e2e.md.
#
# usage: scripts/vm-e2e.sh [--deb FILE] [--short] [--results DIR] [--image-only] [--keep]
#
#   --deb FILE     the package to test (default: `make deb`, i.e. dist/guestcap_*.deb)
#   --short        1 idle minute instead of 5 (what .ci/run uses)
#   --results DIR  where the results go (default out/vm-e2e/)
#   --image-only   build (or reuse) the cached image and stop
#
# The image is built once per machine with debootstrap from the Debian mirror apt already
# uses here, and cached in /var/cache/guestcap-vm-e2e (outside the checkout, so every clone on
# the machine, CI included, reuses it; GUESTCAP_VM_CACHE moves it). Each run boots a
# throw-away qcow2 overlay of it with QEMU's TCG (-cpu max: the VM sees emulated AMD-V and so
# gets a /dev/kvm of its own, whatever this machine's /dev/kvm is).
#
# Exit status: 0 every assertion passed; 1 one failed; 2 the VM could not be built or run.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${GUESTCAP_VM_CACHE:-/var/cache/guestcap-vm-e2e}
results=$top/out/vm-e2e
deb='' short=0 image_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --deb) deb=${2:?}; shift 2 ;;
        --short) short=1; shift ;;
        --results) results=${2:?}; shift 2 ;;
        --image-only) image_only=1; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "vm-e2e.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

die() { echo "vm-e2e.sh: $*" >&2; exit 2; }
phase_start=$(date +%s)
declare -a phases=()
# phase NAME: closes the previous phase's clock under NAME.
phase() {
    local now; now=$(date +%s)
    phases+=("$(printf '%-22s %5ss' "$1" $((now - phase_start)))")
    echo "vm-e2e: $1 took $((now - phase_start))s"
    phase_start=$now
}

[ "$(id -u)" = 0 ] || die "debootstrap and the image need root; run it as root"
# debootstrap builds the image; qemu-img makes the overlay; e2fsprogs fills the file system.
"$top/scripts/ensure-deps.sh" vm || die "could not install what the VM needs (scripts/ensure-deps.sh vm)"

# ---- the image (once per machine) --------------------------------------------------------
# What goes into it. A change here (or in the runner below) makes a new image.
packages=(
    systemd systemd-sysv libpam-systemd dbus udev kmod linux-image-amd64 initramfs-tools
    libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
    jq procps sqlite3 libsqlite3-0 libxml2
)
# Runs in the VM at the end of boot: mounts the share, runs the test, powers off.
# Not `systemctl is-system-running --wait`: boot is not finished while this unit runs.
runner_unit='[Unit]
Description=guestcap VM end-to-end test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/guestcap-e2e-runner
StandardOutput=journal+console
StandardError=journal+console
[Install]
WantedBy=multi-user.target'
runner_script='#!/bin/sh
mkdir -p /mnt/e2e
modprobe 9pnet_virtio 2>/dev/null || true
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 e2e /mnt/e2e; then
    mkdir -p /mnt/e2e/out
    bash /mnt/e2e/vm-e2e-test.sh /mnt/e2e >/mnt/e2e/out/test.log 2>&1
    echo $? >/mnt/e2e/out/rc
    journalctl -b -o export >/mnt/e2e/out/journal.export 2>/dev/null || true
    sync
fi
systemctl poweroff --no-block'

recipe=$(printf '%s\n' "bookworm" "${packages[@]}" "$runner_unit" "$runner_script" | sha256sum | cut -c1-12)
image=$cache/debian12-$recipe

# The mirror apt uses here (a sources.list or deb822 .sources entry for bookworm), so
# that a machine with its own mirror builds from it; else deb.debian.org.
debian_mirror() {
    local m
    m=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
        awk '$0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')
    if [ -z "$m" ]; then
        m=$(awk 'BEGIN { RS = ""; FS = "\n" }
            /Suites:[^\n]*bookworm( |$|\n)/ && !/debian-security/ {
                for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, " "); print u[2]; exit } }' \
            /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
    fi
    echo "${GUESTCAP_VM_MIRROR:-${m:-http://deb.debian.org/debian}}"
}

build_image() {
    local mirror root tmp
    mirror=$(debian_mirror)
    echo "vm-e2e: building the Debian 12 image from $mirror (once per machine; a few minutes)"
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/build.XXXXXX")
    root=$tmp/root
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
        bookworm "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
        { tail -n 30 "$tmp/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
    echo guestcap-e2e >"$root/etc/hostname"
    echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
    # A machine-id of its own: an empty one would make systemd-firstboot prompt.
    cat /proc/sys/kernel/random/uuid | tr -d - >"$root/etc/machine-id"
    printf '%s\n' "$runner_unit" >"$root/etc/systemd/system/guestcap-e2e.service"
    printf '%s\n' "$runner_script" >"$root/usr/local/sbin/guestcap-e2e-runner"
    chmod 0755 "$root/usr/local/sbin/guestcap-e2e-runner"
    ln -s /etc/systemd/system/guestcap-e2e.service \
        "$root/etc/systemd/system/multi-user.target.wants/guestcap-e2e.service"
    # No network in the VM: nothing waits for it.
    rm -f "$root/etc/systemd/system/multi-user.target.wants/"*networkd* 2>/dev/null || true
    cp -L "$root/vmlinuz" "$tmp/vmlinuz"
    cp -L "$root/initrd.img" "$tmp/initrd.img"
    rm -rf "$root/var/cache/apt/archives/"*.deb
    mkfs.ext4 -q -L root -d "$root" "$tmp/root.raw" 6G
    qemu-img convert -O qcow2 "$tmp/root.raw" "$tmp/root.qcow2"
    mkdir "$tmp/image"
    mv "$tmp/root.qcow2" "$tmp/vmlinuz" "$tmp/initrd.img" "$tmp/image/"
    mv "$tmp/image" "$image"
    rm -rf "$tmp"
    trap - EXIT
}

if [ -f "$image/root.qcow2" ]; then
    echo "vm-e2e: using the cached image $image"
else
    build_image
fi
phase "image"
[ "$image_only" = 1 ] && { printf '%s\n' "${phases[@]}"; exit 0; }

# ---- the package -----------------------------------------------------------------------
if [ -z "$deb" ]; then
    echo "vm-e2e: make deb"
    # The scratch folder scripts/test.sh builds the package in, so that CI builds it once.
    make -s -C "$top" deb SWIFT_SCRATCH=.build-deb >/dev/null || die "make deb failed"
    deb=$(ls -t "$top"/dist/guestcap_*.deb | head -n1)
fi
[ -f "$deb" ] || die "$deb: no such package"
phase "package"

# ---- one boot of a fresh copy ------------------------------------------------------------
run=$(mktemp -d "${TMPDIR:-/tmp}/guestcap-vm-e2e.XXXXXX")
qemu_pid=''
cleanup() {
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT
mkdir -p "$run/share/out" "$results"
rm -rf "${results:?}"/*
cp "$deb" "$top/scripts/vm-e2e-test.sh" "$run/share/"
# The direct-KVM ground truth (what Firecracker does with MSR 0x10a): the test VMM, static so
# the VM needs no compiler, the Firecracker fixtures with the Intel host they are judged on,
# and the README's libvirt example for guestcap probe.
gcc -static -O2 -Wall -o "$run/share/kvm-msr-vmm" "$top/Tests/GuestCapCLITests/kvm-msr-vmm.c" ||
    die "gcc -static Tests/GuestCapCLITests/kvm-msr-vmm.c failed"
mkdir -p "$run/share/fixtures/examples"
cp "$top"/examples/guests/fc-*.json "$top/examples/guests/web-force-taa.xml" "$run/share/fixtures/examples/"
cp -r "$top/Tests/GuestCapSourcesTests/Fixtures/firecracker" "$run/share/fixtures/firecracker"
cp -r "$top/examples/hosts/cascadelake" "$run/share/fixtures/host-cascadelake"
idle=300
[ "$short" = 1 ] && idle=60
# Each assertion in the VM is killed after ASSERT_SECONDS (the slowest, the install, took
# 276 s on a loaded machine).
printf 'IDLE_SECONDS=%s\nASSERT_SECONDS=%s\n' "$idle" "${GUESTCAP_VM_STEP_TIMEOUT:-600}" >"$run/share/env"
qemu-img create -q -f qcow2 -F qcow2 -b "$image/root.qcow2" "$run/overlay.qcow2"
# TCG is slow, and its speed depends on what else runs on this machine's cores (the install
# took 40 s on an idle machine and 276 s on a loaded one). So the VM is stopped when it makes no
# progress (no console output and no step started or ended) for longer than a step may take,
# or at an outer limit far above a normal run's 6 minutes.
step_limit=${GUESTCAP_VM_STEP_TIMEOUT:-600}
stall=$(( step_limit + 120 ))
limit=${GUESTCAP_VM_TIMEOUT:-$(( idle + 2400 ))}
# What else runs here: a slow run is then explained by the machine, not guessed at.
host_load() { echo "vm-e2e: this machine $1: load $(cut -d' ' -f1-3 /proc/loadavg); busiest (CPU share since each started):"
    ps -eo pcpu=,etimes=,comm= --sort=-pcpu | head -n 4 | awk '{ printf "vm-e2e:   %s%% cpu, %ss, %s\n", $1, $2, $3 }'; }
host_load "at boot"
echo "vm-e2e: booting the VM (TCG; console in $results/console.log; stopped after ${stall}s without progress or ${limit}s in all)"
qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 3072 \
    -display none -monitor none -no-reboot -serial "file:$results/console.log" \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0" \
    -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2" \
    -virtfs "local,path=$run/share,mount_tag=e2e,security_model=none,id=e2e" \
    -nic none &
qemu_pid=$!
# Each step's start and verdict as the VM writes them, so a log cut short shows where it was.
tail -n +1 -F --pid="$qemu_pid" "$run/share/out/progress.txt" 2>/dev/null | sed -u 's/^/vm-e2e: in the VM: /' &
tail_pid=$!
# progress_bytes: how much the VM has written to its console and its progress file.
progress_bytes() {
    local f n=0
    for f in "$results/console.log" "$run/share/out/progress.txt"; do
        [ -f "$f" ] && n=$(( n + $(stat -c %s "$f") ))
    done
    echo "$n"
}
qemu_rc=0 stopped=''
started=$(date +%s) last=-1 changed=$started
while kill -0 "$qemu_pid" 2>/dev/null; do
    sleep 5
    now=$(date +%s) bytes=$(progress_bytes)
    [ "$bytes" != "$last" ] && { last=$bytes; changed=$now; }
    if [ $(( now - changed )) -ge "$stall" ]; then
        stopped="no progress for ${stall}s"
    elif [ $(( now - started )) -ge "$limit" ]; then
        stopped="still running after ${limit}s"
    fi
    [ -n "$stopped" ] && { kill "$qemu_pid" 2>/dev/null; break; }
done
# Not a bare `wait` under set -e: a stopped VM must still copy and show its evidence.
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=''
wait "$tail_pid" 2>/dev/null || true
cp -r "$run/share/out/." "$results/"
phase "VM boot, test, poweroff"

echo
echo "== vm-e2e summary ($(basename "$deb"), image $(basename "$image"))"
[ -f "$results/summary.txt" ] && cat "$results/summary.txt"
echo "-- time per phase"
printf '%s\n' "${phases[@]}"
echo "evidence: $results/results.txt; console: $results/console.log; journal: $results/journal.export"
if [ -n "$stopped" ]; then
    # What the VM was doing when it was stopped: the end of its console and any step that hit
    # its own deadline (with the processes it left).
    echo "-- the last 40 lines of the console"
    tail -n 40 "$results/console.log" 2>/dev/null | tr -d '\r'
    for f in "$results"/timeout-*.txt; do [ -f "$f" ] && { echo "-- $f"; head -n 60 "$f"; }; done
    host_load "when the VM was stopped"
    die "the VM was stopped: $stopped (console: $results/console.log)"
fi
[ -f "$results/rc" ] || die "the test did not finish in the VM (QEMU exited with $qemu_rc; console: $results/console.log)"
[ "$(cat "$results/rc")" = 0 ] || exit 1
