#!/usr/bin/env bash
# The README's test command: installs what is missing, starts the real services the tests
# use (journald; libvirtd for the end-to-end tests), builds, and runs every test.
#
# usage: scripts/test.sh [--quick] [swift test arguments...]
#   --quick   skip the libvirt end-to-end tests (no libvirt install or start)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi

groups=(base)
[ "$quick" = 1 ] || groups+=(libvirt browser)
scripts/ensure-deps.sh "${groups[@]}"
scripts/start-journald.sh
if [ "$quick" = 0 ]; then
    scripts/start-libvirt.sh
    export GUESTCAP_E2E_LIBVIRT=1
    # InstallTests: build the .deb (release, in .build-deb), dpkg -i it here, purge it.
    export GUESTCAP_TEST_DEB=1
fi

swift build
GUESTCAP_BIN="$PWD/.build/debug/guestcap" swift test "$@"
