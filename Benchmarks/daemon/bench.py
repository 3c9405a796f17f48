#!/usr/bin/env python3
"""Drives the guestcap daemon benchmark; see run.sh."""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, threading, time, uuid

IMMUNE = "taa-no"      # not justified on the Cascade Lake example: unjustified-immunity opens
FINE = "mds-no"        # justified there: compliant (for that rule)


def domain(name, uid, feature):
    return f"""<domain type='kvm'>
  <name>{name}</name>
  <uuid>{uid}</uuid>
  <memory unit='KiB'>65536</memory>
  <cpu mode='custom' match='exact' check='partial'>
    <model fallback='forbid'>Cascadelake-Server-v2</model>
    <feature policy='force' name='{feature}'/>
  </cpu>
</domain>
"""


class Guests:
    def __init__(self, directory, n, prefix):
        self.dir, self.prefix = directory, prefix
        self.uuids = [str(uuid.UUID(int=(i + 1) | (0x6c << 120))) for i in range(n)]
        self.state = [FINE] * n

    def name(self, i):
        return f"{self.prefix}-{i:05d}"

    def write(self, i, feature):
        """libvirt's way: write NAME.xml.new, rename over NAME.xml. Returns the rename time (epoch µs)."""
        path = os.path.join(self.dir, self.name(i) + ".xml")
        with open(path + ".new", "w") as f:
            f.write(domain(self.name(i), self.uuids[i], feature))
        t = time.time_ns() // 1000
        os.rename(path + ".new", path)
        self.state[i] = feature
        return t

    def toggle(self, i):
        return self.write(i, IMMUNE if self.state[i] == FINE else FINE)


class Follower:
    """journalctl -f for the daemon's entries: guest name -> list of receive times (µs)."""

    def __init__(self, pid):
        self.times = {}
        self.cv = threading.Condition()
        self.p = subprocess.Popen(["journalctl", "-f", "-n", "0", "-o", "json", f"_PID={pid}",
                                   "--output-fields=GUESTCAP_GUEST_NAME,MESSAGE_ID"],
                                  stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        time.sleep(0.5)

    def read(self):
        for line in self.p.stdout:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            name = e.get("GUESTCAP_GUEST_NAME")
            if isinstance(name, list):
                name = name[0]
            with self.cv:
                self.times.setdefault(name, []).append(int(e["__REALTIME_TIMESTAMP"]))
                self.cv.notify_all()

    def wait(self, name, count, timeout=10.0):
        """Waits until `name` has `count` entries; returns the last receive time or None."""
        deadline = time.time() + timeout
        with self.cv:
            while len(self.times.get(name, [])) < count:
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cv.wait(left)
            return self.times[name][count - 1]

    def count(self, name):
        with self.cv:
            return len(self.times.get(name, []))

    def stop(self):
        self.p.terminate()


def proc_stats(pid):
    """(utime+stime seconds, RSS KiB, voluntary+involuntary context switches over all threads, threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / hz
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    switches = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches[tid] = switches.get(tid, 0) + int(line.split()[1])
        except FileNotFoundError:
            pass
    return cpu, rss, switches, len(switches)


def thread_names(pid):
    names = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                names[tid] = f.read().strip()
        except FileNotFoundError:
            pass
    return names


def rss_split(pid):
    """(anonymous, file-backed) resident KiB: the process's own heap versus mapped code and libraries."""
    anon = file = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss_Anon:") or line.startswith("Anonymous:"):
                anon = int(line.split()[1])
            elif line.startswith("Rss:"):
                file = int(line.split()[1])
    return anon, file - anon


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--guests", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--host-root", required=True)
    ap.add_argument("--rates", default="200,500,1000,2000,4000")
    ap.add_argument("--step-seconds", type=float, default=5.0)
    ap.add_argument("--spacing", type=float, default=40.0, help="ms between latency changes")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="guestcap-bench-daemon.")
    gdir = os.path.join(work, "guests")
    os.makedirs(gdir)
    open(os.path.join(work, "guestcap.toml"), "w").close()
    prefix = "bench" + uuid.uuid4().hex[:6]
    guests = Guests(gdir, a.guests, prefix)
    for i in range(a.guests):
        guests.write(i, FINE)

    env = dict(os.environ)
    for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        env.pop(k, None)
    daemon = subprocess.Popen([a.bin, "daemon", "--config", os.path.join(work, "guestcap.toml"),
                               "--host-root", a.host_root, "--database", os.path.join(work, "history.sqlite"),
                               "--watch", f"libvirt={gdir}", "--log-level", "warning"],
                              env=env, stderr=open(os.path.join(work, "daemon.log"), "w"))
    try:
        # Ready when its "daemon started" entry is in the journal.
        t0 = time.time()
        started = False
        while time.time() - t0 < 120 and not started:
            # PIDs are reused: only this run's entries count.
            out = subprocess.run(["journalctl", "-q", "-o", "cat", f"--since=@{int(t0) - 1}", f"_PID={daemon.pid}",
                                  "MESSAGE_ID=1702aff674fd4ed9a27513132a3fdb39"], capture_output=True, text=True).stdout
            started = bool(out.strip())
            time.sleep(0.1)
        if not started:
            sys.exit("daemon did not start; see " + os.path.join(work, "daemon.log"))
        print(f"daemon benchmark: {a.guests} libvirt guests, Cascade Lake example host, release build")
        print(f"  start-up with {a.guests} guests (first audit, READY): {time.time() - t0:.2f} s")

        # 1. Idle.
        time.sleep(2)
        c0, r0, s0, th = proc_stats(daemon.pid)
        time.sleep(a.idle)
        c1, r1, s1, th = proc_stats(daemon.pid)
        per_min = 60 / a.idle
        woke = sum(n - s0.get(tid, 0) for tid, n in s1.items())
        anon, mapped = rss_split(daemon.pid)
        print(f"  idle ({a.idle} s): RSS {r1 / 1024:.1f} MiB ({anon / 1024:.1f} anonymous, {mapped / 1024:.1f} mapped "
              f"code and libraries), CPU {(c1 - c0) * per_min:.3f} s per idle minute, "
              f"{woke * per_min:.0f} context switches per minute over {th} threads "
              f"(sampler every 300 s, no watchdog configured)")
        names = thread_names(daemon.pid)
        for tid, n in sorted(s1.items(), key=lambda kv: int(kv[0])):
            print(f"      thread {tid} {names.get(tid, '?')!r}: {(n - s0.get(tid, 0)) * per_min:.0f} per minute")

        # 2. Latency: one change every --spacing ms (each on another guest, so every change is
        #    one transition and none is coalesced with another); receive times read back at the end.
        sent = {}
        for k in range(a.changes):
            i = k % a.guests
            sent.setdefault(guests.name(i), []).append(guests.toggle(i))
            time.sleep(a.spacing / 1000.0)
        subprocess.run(["timeout", "10", "journalctl", "--sync"])
        time.sleep(0.5)
        got = {}
        out = subprocess.run(["journalctl", "-q", "-o", "json", f"_PID={daemon.pid}", f"--since=@{int(t0) - 1}",
                              "--output-fields=GUESTCAP_GUEST_NAME,GUESTCAP_EVENT"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            e = json.loads(line)
            if e.get("GUESTCAP_EVENT") in ("opened", "resolved") and e.get("GUESTCAP_GUEST_NAME"):
                got.setdefault(e["GUESTCAP_GUEST_NAME"], []).append(int(e["__REALTIME_TIMESTAMP"]))
        lat, missed = [], 0
        for name, times in sent.items():
            entries = sorted(got.get(name, []))
            for t in times:
                later = [x for x in entries if x >= t]
                if later:
                    lat.append((later[0] - t) / 1000.0)
                    entries.remove(later[0])
                else:
                    missed += 1
        _, rss_after, _, _ = proc_stats(daemon.pid)
        print(f"  rename -> journal entry over {len(lat)} changes ({a.spacing} ms apart): p50 {pct(lat, 50):.2f} ms, "
              f"p90 {pct(lat, 90):.2f} ms, p99 {pct(lat, 99):.2f} ms, max {max(lat):.2f} ms, missed {missed}; "
              f"RSS after {rss_after / 1024:.1f} MiB")
        f = Follower(daemon.pid)

        # 3. Churn at increasing rates.
        probe = 0
        for rate in [int(r) for r in a.rates.split(",")]:
            c0, _, _, _ = proc_stats(daemon.pid)
            start = time.time()
            done = 0
            k = 0
            while time.time() - start < a.step_seconds:
                target = int((time.time() - start) * rate)
                while done < target:
                    guests.toggle((probe + k) % (a.guests - 1) + 1)  # guest 0 is the probe
                    k += 1
                    done += 1
                time.sleep(0.001)
            elapsed = time.time() - start
            c1, _, _, _ = proc_stats(daemon.pid)
            before = f.count(guests.name(0))
            t = guests.toggle(0)
            got = f.wait(guests.name(0), before + 1, timeout=60)
            lag = (got - t) / 1000.0 if got else float("inf")
            print(f"  churn {rate}/s asked, {done / elapsed:.0f}/s written for {elapsed:.1f} s: next change logged after "
                  f"{lag:.1f} ms, daemon CPU {100 * (c1 - c0) / elapsed:.0f}% of one core")
            probe += k
            time.sleep(1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            rc = daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            rc = "killed"
        print(f"  SIGTERM: exit {rc}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
