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

# Every program a test runs comes from one of these groups (scripts/test-tools.txt); the tests
# read GUESTCAP_TEST_GROUPS and fail, not skip, when a program of an installed group is missing.
groups=(base metrics)
[ "$quick" = 1 ] || groups+=(libvirt browser fleet)
scripts/ensure-deps.sh "${groups[@]}"
scripts/check-test-tools.sh "${groups[@]}"
export GUESTCAP_TEST_GROUPS="${groups[*]}"
scripts/start-journald.sh
if [ "$quick" = 0 ]; then
    scripts/start-libvirt.sh
    export GUESTCAP_E2E_LIBVIRT=1
    # InstallTests: dpkg -i the .deb here, then purge it. It is built before the tests (release,
    # in .build-deb) so that a long build does not starve the tests that run beside it.
    export GUESTCAP_TEST_DEB=1
fi

swift build
if [ "$quick" = 0 ] && [ -z "${GUESTCAP_DEB:-}" ]; then
    GUESTCAP_DEB=$(make -s deb SWIFT_SCRATCH=.build-deb DIST="$PWD/dist" | tail -n 1)
    export GUESTCAP_DEB
fi
GUESTCAP_BIN="$PWD/.build/debug/guestcap" swift test "$@"
