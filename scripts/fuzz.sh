#!/usr/bin/env bash
# Builds guestcap's libFuzzer targets (Fuzz/Package.swift) and runs each for a given time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET...]
#
# TARGET is libvirt, qemu, firecracker or policy (default: all four, one after another).
# The corpus of each target is kept in .fuzz-corpus/TARGET/ (gitignored) and grows from run
# to run; the seeds are regenerated from the test fixtures every time. Crash, timeout and
# out-of-memory inputs land in .fuzz-corpus/artifacts/. Prints executions, exec/s and
# coverage per target and exits 1 if any target found something (2 on a usage or build error).
#
# Environment: FUZZ_SKIP_BUILD=1 reuses the last build; FUZZ_ARGS adds libFuzzer options.
# See docs/fuzzing.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.build-fuzz"
CORPUS="$ROOT/.fuzz-corpus"
FIXTURES="$ROOT/Tests/GuestCapSourcesTests/Fixtures"
ALL_TARGETS=(libvirt qemu firecracker policy)

seconds="${1:-600}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET=600] [${ALL_TARGETS[*]}]" >&2
    exit 2
fi
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    case " ${ALL_TARGETS[*]} " in
    *" $t "*) ;;
    *) echo "fuzz.sh: unknown target '$t' (known: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
done

# --- build ------------------------------------------------------------------------------
# `--sanitize fuzzer` makes SwiftPM link libFuzzer's main (and not look for the targets'
# @main); the swiftc flag after it is what instruments the Swift code: two separate
# -sanitize= flags do not add up, the last one wins (docs/fuzzing.md).
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building the fuzz targets (release, libFuzzer + AddressSanitizer) in .build-fuzz"
    if ! swift build --package-path "$ROOT/Fuzz" -c release --scratch-path "$SCRATCH" \
        --sanitize fuzzer \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DGUESTCAP_LIBFUZZER \
        -Xcc -fsanitize=address -Xcxx -fsanitize=address \
        2> >(grep -v "ld.gold: warning: Cannot export local symbol" >&2); then
        echo "fuzz.sh: the build failed" >&2
        exit 2
    fi
fi
BIN="$(swift build --package-path "$ROOT/Fuzz" -c release --scratch-path "$SCRATCH" --show-bin-path)"

# --- seeds ------------------------------------------------------------------------------
# Inputs with an attached file use a NUL: Firecracker config NUL template, policy NUL member snapshot.
seeds() {
    local t="$1" dir="$CORPUS/seeds/$1"
    rm -rf "$dir"; mkdir -p "$dir"
    case "$t" in
    libvirt)
        cp "$FIXTURES"/libvirt/*.xml "$FIXTURES"/libvirt-real/*.xml "$FIXTURES"/hostile/*.xml \
            "$ROOT"/examples/guests/*.xml "$dir"/ ;;
    qemu)
        cp "$FIXTURES"/qemu/*.args "$FIXTURES"/libvirt-real/*.args "$FIXTURES"/libvirt-real/*.cmdline \
            "$FIXTURES"/hostile/*.args "$ROOT"/examples/guests/*.args "$dir"/ ;;
    firecracker)
        cp "$FIXTURES"/firecracker/*.json "$FIXTURES"/hostile/*.json "$ROOT"/examples/guests/*.json "$dir"/
        for tpl in "$FIXTURES"/firecracker/templates/*.json "$ROOT"/examples/guests/fc-its-template.json; do
            cp "$tpl" "$dir/template-$(basename "$tpl")"
            { cat "$FIXTURES/firecracker/ci-runner.json"; printf '\0'; cat "$tpl"; } \
                >"$dir/ci-runner+$(basename "$tpl")"
        done ;;
    policy)
        cp "$ROOT"/etc/guestcap/policy.toml "$dir"/default-policy.toml
        cp "$FIXTURES"/policy/*.toml "$dir"/
        { sed 's/"kvm-spr-01.json"/"fuzz-member.json"/' "$FIXTURES/policy/fleet.toml"; printf '\0'
          cat "$FIXTURES/policy/kvm-spr-01.json"; } >"$dir/fleet+member.toml" ;;
    esac
}

# The policy target reads pool members beside the policy: give it the fixture snapshots.
POLICY_DIR="$CORPUS/policy-dir"
mkdir -p "$POLICY_DIR" "$CORPUS/artifacts"
cp "$FIXTURES"/policy/*.json "$POLICY_DIR"/

# --- run --------------------------------------------------------------------------------
status=0
summary=()
for t in "${targets[@]}"; do
    seeds "$t"
    mkdir -p "$CORPUS/$t"
    log="$CORPUS/$t.log"
    before=$(ls "$CORPUS/artifacts" | wc -l)
    echo "== fuzz-$t for ${seconds}s (log: ${log#"$ROOT/"})"
    started=$(date +%s)
    set +e
    # shellcheck disable=SC2086
    # SWIFT_BACKTRACE: the Swift runtime's crash handler reads memory ASan then reports as an overflow.
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$ROOT/Fuzz/lsan-suppressions.txt:print_suppressions=0" \
        GUESTCAP_FUZZ_POLICY_DIR="$POLICY_DIR" "$BIN/fuzz-$t" "$CORPUS/$t" "$CORPUS/seeds/$t" \
        -dict="$ROOT/Fuzz/dictionaries/$t.dict" \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$CORPUS/artifacts/$t-" ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - started ))
    # The last status line (DONE, or the last before a crash) holds cov/ft; the final stats the totals.
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9A-Za-z]+).*/\1/p' <<<"$last")
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
    line="fuzz-$t: ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, ${took}s"
    after=$(ls "$CORPUS/artifacts" | wc -l)
    if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
        status=1
        line+=" -- FINDING (exit $rc)"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error:|ALARM|.*-- MS:)' "$log" | head -n 5 >&2 || true
        grep -E 'Test unit written to' "$log" >&2 || true
    elif [ "${cov:-0}" -lt 200 ]; then
        # A Swift module built without coverage shows as a handful of edges: not a real run.
        status=1
        line+=" -- coverage suspiciously low: is the Swift code instrumented?"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ))"
printf '%s\n' "${summary[@]}"
exit "$status"
