# lib.sh — the command line, messages and process stop shared by start-journald.sh and
# start-libvirt.sh. Not run on its own: a script sets `prog` (its name without
# .sh), sources this file from its own directory and calls parse_start_args "$@".
#
# parse_start_args ARG...  sets verbose (0|1) and action (start|stop|restart|status,
#                          default start) from [-v] [--start|--stop|--restart|--status];
#                          -h, --help or anything else prints the usage line, exits 2
# say MESSAGE...           "$prog: MESSAGE" on stderr, only with -v
# die MESSAGE...           "$prog.sh: MESSAGE" on stderr, exit 1
# stop_pid NAME PID SECS   SIGTERM (and SIGCONT, in case it is stopped), wait up to SECS for
#                          it to go, then SIGKILL
# shellcheck shell=bash

: "${prog:?set prog before sourcing lib.sh}"

usage() { echo "usage: $0 [-v] [--start|--stop|--restart|--status]" >&2; exit 2; }

# verbose and action are read by the script that sources this file.
# shellcheck disable=SC2034
parse_start_args() {
    verbose=0
    action=start
    local a
    for a in "$@"; do
        case "$a" in
            -v|--verbose) verbose=1 ;;
            --start) action=start ;;
            --stop) action=stop ;;
            --restart) action=restart ;;
            --status) action=status ;;
            -h|--help) usage ;;
            *) usage ;;
        esac
    done
}

say() { if [ "$verbose" = 1 ]; then echo "$prog: $*" >&2; fi; }
die() { echo "$prog.sh: $*" >&2; exit 1; }

stop_pid() {
    local name=$1 pid=$2 secs=$3
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((secs * 10))); do
        # Gone, or a zombie awaiting reaping (a zombie has no exe link).
        [ -e "/proc/$pid/exe" ] || break
        sleep 0.1
    done
    if [ -e "/proc/$pid/exe" ]; then
        say "$name pid $pid ignored SIGTERM for $secs s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
}
