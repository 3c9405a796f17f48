#!/usr/bin/env bash
# build-deb.sh — stage guestcap under /usr with `make install` and build the Debian
# package with dpkg-deb. Called by `make deb`, which builds the binaries first.
#
# usage: scripts/build-deb.sh --bin BIN --generate-manual TOOL [--output DIR]
#
#   BIN    the guestcap binary to package (release, Swift runtime linked statically)
#   TOOL   swift-argument-parser's generate-manual, for the man pages
#   DIR    where the .deb goes (default dist/); prints the .deb's path last
#
# Depends: is computed from the binary's DT_NEEDED libraries: each must belong to an
# installed Debian package, whose shlibs file gives the dependency (e.g.
# "libsystemd0 (>= 252.39)"). A library that belongs to no package (the Swift runtime in
# /opt/swift, when the binary was not linked with --static-swift-stdlib) is an error.
set -euo pipefail

usage() { echo "usage: $0 --bin BIN --generate-manual TOOL [--output DIR]" >&2; exit 2; }
die() { echo "build-deb.sh: $*" >&2; exit 1; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin='' tool='' out=$top/dist
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin=${2:?}; shift 2 ;;
        --generate-manual) tool=${2:?}; shift 2 ;;
        --output) out=${2:?}; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$bin" ] && [ -n "$tool" ] || usage
bin=$(realpath "$bin"); tool=$(realpath "$tool")
case "$out" in /*) ;; *) out=$top/$out ;; esac
[ -x "$bin" ] || die "$bin is not an executable"
for t in dpkg-deb readelf strip; do
    command -v "$t" >/dev/null || die "$t not found (apt-get install dpkg binutils)"
done

version=$("$bin" --version) || die "$bin --version failed"
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "'$bin --version' printed '$version', not a version"
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

# ---- the file tree ---------------------------------------------------------
# bookworm: units in /lib/systemd/system (dpkg does not yet know /lib = /usr/lib).
make -s -C "$top" install DESTDIR="$root" PREFIX=/usr UNITDIR=/lib/systemd/system \
    BIN="$bin" GENERATE_MANUAL="$tool" GENDIR="$work/gen" >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/guestcap"
gzip -9n "$root"/usr/share/man/man8/*.8
"$root/usr/bin/guestcap" --version >/dev/null || die "the stripped binary does not run"

# ---- Depends from the binary's libraries -----------------------------------
declare -A deps=()
ldd_out=$(ldd "$root/usr/bin/guestcap")
for soname in $(readelf -d "$root/usr/bin/guestcap" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    # "libfoo.so.1 => /path (0x…)", or for the dynamic loader "/lib64/ld-linux-x86-64.so.2 (0x…)"
    path=$(printf '%s\n' "$ldd_out" | awk -v s="$soname" '
        $1 == s && $2 == "=>" { print $3; exit }
        $1 ~ /^\// { n = split($1, p, "/"); if (p[n] == s) { print $1; exit } }')
    [ -n "$path" ] && [ -e "$path" ] || die "$soname: not found by ldd"
    pkg=''
    for p in "$path" "$(realpath "$path")" "${path#/usr}" "/usr$path"; do
        pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1-2 | sed 's/: .*//') && [ -n "$pkg" ] && break
    done
    [ -n "$pkg" ] || die "$soname ($path) belongs to no Debian package: link the Swift runtime statically (--static-swift-stdlib)"
    # libfoo.so.1 -> "libfoo 1"; libfoo-1.2.so -> "libfoo-1.2" (no version)
    name=${soname%%.so*}; sover=${soname#*.so}; sover=${sover#.}
    dep=''
    shlibs=/var/lib/dpkg/info/$pkg.shlibs
    [ -f "$shlibs" ] || shlibs=/var/lib/dpkg/info/${pkg%%:*}.shlibs
    if [ -f "$shlibs" ]; then
        dep=$(awk -v n="$name" -v v="$sover" '$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$shlibs")
    fi
    [ -n "$dep" ] || dep=${pkg%%:*}
    deps[$dep]=1
done
depends=$(printf '%s\n' "${!deps[@]}" | sort | paste -sd, - | sed 's/,/, /g')

# ---- DEBIAN/ ----------------------------------------------------------------
installed_size=$(du -sk "$root" | cut -f1)
mkdir -m 0755 "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@DEPENDS@|$depends|" \
    -e "s|@INSTALLED_SIZE@|$installed_size|" "$top/packaging/control.in" >"$root/DEBIAN/control"
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
    install -m 0755 "$top/packaging/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z |
    xargs -0 md5sum | sed 's| \./| |') >"$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/guestcap_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
