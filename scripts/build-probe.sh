#!/usr/bin/env bash
# build-probe.sh — assemble the probe kernel (probe/guestcap-probe.S) into a 32-bit
# multiboot ELF that QEMU's -kernel and libvirt's <os><kernel> boot directly.
#
# usage: scripts/build-probe.sh OUTPUT.elf
# env: CC (default gcc), LD (default ld). Needs only gcc's assembler and binutils' ld:
# the source includes no headers, so no 32-bit libc (gcc-multilib) is needed.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTPUT.elf" >&2; exit 2; }
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${CC:-gcc}" -m32 -c "$top/probe/guestcap-probe.S" -o "$tmp/probe.o"
# The one segment holds code and stack; it is never mapped by anything that cares (no paging).
"${LD:-ld}" -m elf_i386 -nostdlib --build-id=none --no-warn-rwx-segments \
    -T "$top/probe/guestcap-probe.ld" -o "$tmp/probe.elf" "$tmp/probe.o"
mkdir -p "$(dirname "$out")"
install -m 0644 "$tmp/probe.elf" "$out"
