#!/usr/bin/env bash
# check-test-tools.sh — after scripts/ensure-deps.sh GROUP..., fail when a program that
# scripts/test-tools.txt lists for one of those groups is not on PATH, so a test never meets
# a missing tool that the scripts claim to install.
#
# usage: scripts/check-test-tools.sh GROUP...
set -euo pipefail
cd "$(dirname "$0")/.."
groups=" essential $* "
missing=()
while read -r program group; do
    case "$program" in ''|'#'*) continue ;; esac
    case "$groups" in *" $group "*) ;; *) continue ;; esac
    command -v "$program" >/dev/null 2>&1 || missing+=("$program (group $group)")
done < scripts/test-tools.txt
if [ "${#missing[@]}" -gt 0 ]; then
    echo "check-test-tools.sh: scripts/ensure-deps.sh did not install: ${missing[*]}" >&2
    exit 1
fi
