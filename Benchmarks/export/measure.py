#!/usr/bin/env python3
"""Runs `guestcap export --format F --output FILE` once per format and prints its wall time,
CPU time and max RSS (from wait4, the child's own figures) and the file's size."""
import os
import subprocess
import sys
import time

binary, db, since, until, work = sys.argv[1:6]
print(f"  {'format':<7} {'wall s':>7} {'user s':>7} {'sys s':>6} {'max RSS MiB':>12} {'output MiB':>11}")
for fmt in ("json", "csv", "html"):
    out = os.path.join(work, "report." + fmt)
    start = time.monotonic()
    with open(os.path.join(work, "stderr"), "w+") as err:
        proc = subprocess.Popen([binary, "export", "--database", db, "--since", since, "--until", until,
                                 "--format", fmt, "--output", out], stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"guestcap export --format {fmt} failed ({proc.returncode}): {err.read()}")
    size = os.path.getsize(out) / 2**20
    print(f"  {fmt:<7} {wall:7.1f} {usage.ru_utime:7.1f} {usage.ru_stime:6.1f} {usage.ru_maxrss / 1024:12.0f} {size:11.0f}")
    os.remove(out)
print(f"  load average {os.getloadavg()[0]:.2f}")
