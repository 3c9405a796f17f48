#!/usr/bin/env bash
# start-journald.sh — make sure a real systemd-journald answers on
# /run/systemd/journal/socket, on a machine where systemd is not PID 1.
#
# usage: scripts/start-journald.sh [-v] [--start|--stop|--restart|--status]
#   (default --start)  start journald unless one answers; wait until a probe
#                      entry sent with logger --journald and one sent with
#                      systemd-cat read back with `journalctl -o json`
#   --stop             SIGTERM journald (SIGCONT too, in case a fault test
#                      SIGSTOPped it), wait for it to exit, SIGKILL after 10 s
#   --restart          --stop (if running) then --start
#   --status           exit 0 if journald answers, 1 if not
#   -v                 say what happens (silent on success otherwise)
# env: JOURNALD_TIMEOUT (seconds to wait for readiness, default 20)
#
# What this machine needs (Debian 12, systemd 252 installed, PID 1 is not systemd):
# * /etc/machine-id: journald names its directory after it and refuses to run
#   without one; created with systemd-machine-id-setup when missing or empty.
# * /run/systemd/journal: journald creates its sockets there itself (socket,
#   stdout, dev-log, io.systemd.journal) when not socket-activated, but the
#   directory must exist.
# * /dev/log: normally a symlink made by systemd-journald-dev-log.socket; without
#   it `logger` (syslog transport) fails silently. We link it to
#   /run/systemd/journal/dev-log when /dev/log does not exist.
# * Storage: journald.conf is left at its defaults (Storage=auto). With nobody
#   calling `journalctl --flush` (systemd-journal-flush.service does that at boot),
#   entries go to the volatile /run/log/journal/MACHINE_ID/. `journalctl --flush`
#   moves them to /var/log/journal (which the systemd package creates) and leaves
#   /run/systemd/journal/flushed behind, so journalds started later write
#   persistently. journalctl reads both places, so tests need not care.
# * The socket files stay behind after journald exits; "socket exists" is no proof
#   of life. We probe with `journalctl --sync` (varlink on io.systemd.journal,
#   fails with "Connection refused" when journald is gone) under a timeout (a
#   SIGSTOPped journald would hang it).
#
# Findings on this machine (systemd 252.39, measured 2026-11, see docs/dev-environment.md):
# * Entries are visible to journalctl immediately: 0 misses in 300 send-then-read
#   rounds each for sd_journal_send, systemd-cat and logger, also with both cores
#   busy; 5000 sd_journal_send in a burst were all readable at once. Still, the
#   native socket is an async datagram socket, so tests should run
#   `journalctl --sync` (≈5 ms; waits until journald has written everything
#   queued before the call) before asserting, instead of sleeping.
# * `journalctl --flush` only moves /run → /var storage; it is not needed to read.
# * Structured fields from sd_journal_send (C, -lsystemd; python3-systemd's
#   journal.sendv; `logger --journald` reading FIELD=value lines on stdin) come
#   back verbatim in `journalctl -o json`; a field sent twice (GUESTCAP_BIT=mds-no,
#   GUESTCAP_BIT=taa-no) comes back as a JSON array ["mds-no","taa-no"], a field
#   sent once as a string. Matches work: `journalctl MESSAGE_ID=<id>` and
#   `journalctl GUESTCAP_BIT=taa-no` find the entry; several matches on different
#   fields are ANDed.
# * No _SYSTEMD_UNIT field (no systemd, no unit cgroups): `journalctl -u guestcap`
#   finds nothing here; match SYSLOG_IDENTIFIER (-t) or _COMM/_EXE instead. No rate
#   limiting was hit either (it is keyed by unit).
# * `journalctl --update-catalog` works (rebuilds /var/lib/systemd/catalog/database
#   from /usr/lib/systemd/catalog/*.catalog in ≈25 ms) and `journalctl -x` shows the
#   catalog text with @FIELD@ substituted from the entry; `journalctl --list-catalog
#   ID` checks an id without sending anything. `-o json` never includes catalog text.
# * While journald is stopped: sd_journal_send returns -ECONNREFUSED (-111),
#   systemd-cat fails ("Failed to create stream fd: Connection refused"), logger
#   to /dev/log exits 0 and drops the message, journalctl still reads the files.
set -euo pipefail

prog=start-journald
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

JOURNALD=/lib/systemd/systemd-journald
STATE_DIR=/run/guestcap-test
PIDFILE=$STATE_DIR/journald.pid
LOGFILE=$STATE_DIR/journald.log
TIMEOUT=${JOURNALD_TIMEOUT:-20}

parse_start_args "$@"

# Is journald answering? (bounded: a stopped journald would hang --sync)
answering() { timeout 5 journalctl --sync >/dev/null 2>&1; }

# PID of the running journald: our pidfile if it still names journald, else the
# process whose executable is exactly $JOURNALD (one daemon, not a name pattern).
journald_pid() {
    local pid exe
    if [ -s "$PIDFILE" ]; then
        pid=$(cat "$PIDFILE")
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
        if [ "$exe" = "$JOURNALD" ] || [ "$exe" = "/usr$JOURNALD" ]; then
            echo "$pid"; return 0
        fi
    fi
    pid=$(pidof -s "$JOURNALD" 2>/dev/null || pidof -s "/usr$JOURNALD" 2>/dev/null || true)
    [ -n "$pid" ] && echo "$pid"
    return 0
}

# Send a probe with two transports and read both back as JSON.
probe() {
    local marker=$1
    printf 'MESSAGE=guestcap journald probe\nGUESTCAP_PROBE=%s\n' "$marker" \
        | logger --journald 2>/dev/null || return 1
    echo "guestcap journald probe $marker" \
        | systemd-cat -t guestcap-journald-probe 2>/dev/null || return 1
    timeout 5 journalctl --sync >/dev/null 2>&1 || return 1
    journalctl -q --no-pager -o json "GUESTCAP_PROBE=$marker" 2>/dev/null \
        | grep -q "\"GUESTCAP_PROBE\":\"$marker\"" || return 1
    journalctl -q --no-pager -o json -t guestcap-journald-probe 2>/dev/null \
        | grep -q "journald probe $marker" || return 1
}

do_stop() {
    local pid
    pid=$(journald_pid)
    if [ -z "$pid" ]; then
        say "journald not running"
        rm -f "$PIDFILE"
        return 0
    fi
    say "stopping journald pid $pid"
    # It syncs and closes its files first; that took up to ~2 s here.
    stop_pid journald "$pid" 10
    rm -f "$PIDFILE"
}

do_start() {
    local pid deadline marker
    if answering; then
        say "journald already answering"
        return 0
    fi
    pid=$(journald_pid)
    if [ -n "$pid" ]; then
        die "journald (pid $pid) is running but not answering on /run/systemd/journal (stopped with SIGSTOP?); use --restart"
    fi
    [ -x "$JOURNALD" ] || die "$JOURNALD missing (apt-get install systemd, or scripts/ensure-deps.sh)"
    [ "$(id -u)" = 0 ] || die "must run as root"

    if [ ! -s /etc/machine-id ]; then
        say "creating /etc/machine-id"
        systemd-machine-id-setup >/dev/null 2>&1 || die "systemd-machine-id-setup failed"
    fi
    mkdir -p /run/systemd/journal /run/log/journal "$STATE_DIR"
    if [ ! -e /dev/log ] && [ ! -L /dev/log ]; then
        ln -s /run/systemd/journal/dev-log /dev/log
    fi

    say "starting $JOURNALD"
    # setsid + no inherited fds: journald must outlive this script and must not
    # keep a caller's pipe (e.g. a test runner's stdout) open.
    setsid "$JOURNALD" </dev/null >>"$LOGFILE" 2>&1 &
    echo $! >"$PIDFILE"

    marker="$$-$(date +%s%N)"
    deadline=$(( $(date +%s) + TIMEOUT ))
    until probe "$marker"; do
        if ! [ -d "/proc/$(cat "$PIDFILE")" ]; then
            die "journald exited during start-up; see $LOGFILE: $(tail -n 5 "$LOGFILE" 2>/dev/null | tr '\n' ' ')"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            die "journald (pid $(cat "$PIDFILE")) did not answer within ${TIMEOUT}s: probe entry not readable with journalctl -o json; see $LOGFILE"
        fi
        sleep 0.1
    done
    say "journald pid $(cat "$PIDFILE") answering"
}

case "$action" in
    start) do_start ;;
    stop) do_stop ;;
    restart) do_stop; do_start ;;
    status)
        if answering; then say "answering (pid $(journald_pid))"; exit 0; fi
        say "not answering"; exit 1 ;;
esac
