#!/usr/bin/env python3
"""Time commands R times each and print a table: CPU time (user+sys) and wall time, best of R.

    Benchmarks/check/measure.py RUNS N BASELINE_LABEL -- CMD... [--- LABEL -- CMD...]...

The first command is the baseline every ratio is taken against. CPU time is the child's own
user+sys from wait4(2), so it is what the command cost however loaded the machine is; wall
time on a shared machine is noisy and shown for completeness. Output is discarded; a
non-zero exit status is expected (guestcap check exits 1 when a guest violates the policy)
and shown. N is the number of guests, for guests per second.
"""
import os
import subprocess
import sys
import time


def run_once(argv):
    """Runs argv with output discarded; returns (user, sys, wall, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime, usage.ru_stime, wall, proc.returncode


def best_of(runs, argv):
    """Best CPU (with its user and sys split) and best wall time over `runs` runs."""
    results = [run_once(argv) for _ in range(runs)]
    user, sys_, _, status = min(results, key=lambda r: r[0] + r[1])
    wall = min(r[2] for r in results)
    return user, sys_, wall, status


def parse(argv):
    """[(label, argv)] from "LABEL -- CMD... --- LABEL -- CMD..."."""
    commands, current = [], []
    for word in argv + ["---"]:
        if word == "---":
            label, sep, *cmd = current
            if sep != "--" or not cmd:
                raise SystemExit(__doc__)
            commands.append((label, cmd))
            current = []
        else:
            current.append(word)
    return commands


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    runs, n = int(argv[1]), int(argv[2])
    commands = parse(argv[3:])
    rows = [(label, best_of(runs, cmd)) for label, cmd in commands]
    base_cpu = rows[0][1][0] + rows[0][1][1]
    base_wall = rows[0][1][2]
    width = max(len(label) for label, _ in rows)
    print(f"  {'':{width}}  {'CPU s':>6} {'(user':>6} {'sys)':>5}  {'ratio':>5}  {'wall s':>6}  {'ratio':>5}"
          f"  {'guests/CPU s':>12}  exit")
    for label, (user, sys_, wall, status) in rows:
        cpu = user + sys_
        print(f"  {label:{width}}  {cpu:6.2f} {user:6.2f} {sys_:5.2f}  {cpu / base_cpu:5.2f}  {wall:6.2f}"
              f"  {wall / base_wall:5.2f}  {n / cpu:12,.0f}  {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
