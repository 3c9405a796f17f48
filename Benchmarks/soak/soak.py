#!/usr/bin/env python3
"""guestcap soak: ~1,000 guests changing at a high rate while `guestcap daemon` runs.

    Benchmarks/soak/soak.py [--guests 1000] [--live 100] [--duration 600] [--rate 0]
                            [--bin .build/release/guestcap] [--out DIR] [--keep]

The harness writes every file itself (libvirt persistent XML in one watched folder, libvirt
live status XML in another), so it knows the final contents. It churns them -- edits (atomic
rename and in-place rewrite), renames, deletes, creates, unreadable XML, live-XML churn --
and flips the host tree (a kernel verdict and the MSR 0x10a value of every CPU) while the
daemon samples the host every second. Then it stops churning, lets the daemon settle and
compares three sets of open finding ids:

  expected  `guestcap check --format json` on the final folders against the final host tree
  database  `guestcap status --format json --database DB` (findings in state open)
  journal   replay of this daemon's opened/resolved/waived entries (_PID of the run)

Mismatch = an id in one set and not in another. Reports changes/s, transitions/s, the
daemon's memory (VmRSS at start and end, VmHWM) and writes everything to OUT/result.json.
Exit status 0 when there is no mismatch, 1 otherwise.
"""
import argparse
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FEATURES = ["taa-no", "mds-no", "rfds-no", "gds-no", "rdctl-no", "pschange-mc-no", "sbdr-ssdp-no", "psdp-no"]
MSR_STATES = [0xAB, 0x1AB, 0x2B]            # the host's MSR 0x10a as the harness flips it
RFDS_STATES = ["Not affected", "Vulnerable: No microcode"]
GDS_STATES = ["Mitigation: Microcode", "Vulnerable"]


def domain(name, uid, feats, disable=()):
    lines = [f"    <feature policy='force' name='{f}'/>" for f in feats]
    lines += [f"    <feature policy='disable' name='{f}'/>" for f in disable]
    return ("<domain type='kvm'>\n"
            f"  <name>{name}</name>\n  <uuid>{uid}</uuid>\n  <memory unit='KiB'>65536</memory>\n"
            "  <cpu mode='custom' match='exact' check='partial'>\n"
            "    <model fallback='forbid'>Cascadelake-Server-v2</model>\n"
            + "\n".join(lines) + "\n  </cpu>\n</domain>\n")


def live(name, uid, feats):
    return ("<domstatus state='running' reason='booted' pid='999999'>\n"
            + domain(name, uid, feats) + "</domstatus>\n")


class Harness:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.out = a.out or tempfile.mkdtemp(prefix="guestcap-soak-")
        os.makedirs(self.out, exist_ok=True)
        self.host = os.path.join(self.out, "host")
        self.persist = os.path.join(self.out, "etc-libvirt-qemu")
        self.livedir = os.path.join(self.out, "run-libvirt-qemu")
        self.db = os.path.join(self.out, "db", "history.sqlite")
        self.marker = "soak" + uuid.uuid4().hex[:6]
        self.files = {}      # path -> (name, uuid) for persistent guests
        self.live = {}       # path -> (name, uuid)
        self.changes = 0
        self.bad = set()     # persistent files left unreadable (repaired before the comparison)
        self.counter = 0
        self.host_state = (0, 0, 0)
        self.rss = []

    # --- world -----------------------------------------------------------------------------
    def newname(self):
        self.counter += 1
        return f"{self.marker}-{self.counter:06d}"

    def feats(self):
        return self.rng.sample(FEATURES, self.rng.randint(0, 3))

    def put(self, path, text, atomic=True):
        if atomic:
            tmp = path + ".new"       # ignored by the daemon (editor/libvirt temporary)
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, path)
        else:
            with open(path, "w") as f:
                f.write(text)
        self.changes += 1

    def set_host(self, state):
        msr, rfds, gds = state
        vul = os.path.join(self.host, "sys/devices/system/cpu/vulnerabilities")
        for fname, text in (("reg_file_data_sampling", RFDS_STATES[rfds]), ("gather_data_sampling", GDS_STATES[gds])):
            tmp = os.path.join(vul, "." + fname)
            with open(tmp, "w") as f:
                f.write(text + "\n")
            os.rename(tmp, os.path.join(vul, fname))
        cpus = os.path.join(self.host, "dev/cpu")
        for n in os.listdir(cpus):
            p = os.path.join(cpus, n, "msr")
            if os.path.exists(p):
                with open(p, "r+b") as f:
                    f.seek(0x10A)
                    f.write(struct.pack("<Q", MSR_STATES[msr]))
        self.host_state = state
        self.changes += 1

    def setup(self):
        shutil.copytree(os.path.join(ROOT, "examples/hosts/cascadelake"), self.host, symlinks=True)
        os.makedirs(self.persist)
        os.makedirs(self.livedir)
        for _ in range(self.a.guests - self.a.live):
            name = self.newname()
            p = os.path.join(self.persist, name + ".xml")
            u = str(uuid.uuid4())
            self.put(p, domain(name, u, self.feats()))
            self.files[p] = (name, u)
        for _ in range(self.a.live):
            self.add_live()
        self.changes = 0

    def add_live(self):
        name = self.newname()
        p = os.path.join(self.livedir, name + ".xml")
        u = str(uuid.uuid4())
        self.put(p, live(name, u, self.feats()))
        self.live[p] = (name, u)

    # --- one change ------------------------------------------------------------------------
    def step(self):
        r = self.rng.random()
        if r < 0.40:                                  # edit, atomic (libvirt's way)
            p = self.rng.choice(list(self.files))
            name, u = self.files[p]
            self.put(p, domain(name, u, self.feats()))
            self.bad.discard(p)
        elif r < 0.55:                                # edit in place (truncate + write)
            p = self.rng.choice(list(self.files))
            name, u = self.files[p]
            f = self.feats()
            d = self.rng.sample(["mds-no", "taa-no"], self.rng.randint(0, 1))
            self.put(p, domain(name, u, f, d), atomic=False)
            (self.bad.add if set(f) & set(d) else self.bad.discard)(p)   # a feature twice: unreadable
        elif r < 0.63:                                # rename (same guest, new file name)
            p = self.rng.choice(list(self.files))
            q = os.path.join(self.persist, self.newname() + ".xml")
            os.rename(p, q)
            self.files[q] = self.files.pop(p)
            if p in self.bad:
                self.bad.discard(p)
                self.bad.add(q)
            self.changes += 1
        elif r < 0.70:                                # delete + create another
            p = self.rng.choice(list(self.files))
            os.unlink(p)
            del self.files[p]
            self.bad.discard(p)
            self.changes += 1
            name = self.newname()
            q = os.path.join(self.persist, name + ".xml")
            u = str(uuid.uuid4())
            self.put(q, domain(name, u, self.feats()))
            self.files[q] = (name, u)
        elif r < 0.74:                                # unreadable for a while
            p = self.rng.choice(list(self.files))
            name, _ = self.files[p]
            self.put(p, f"<domain><name>{name}</name><cpu mode='custom'")
            self.bad.add(p)
        elif r < 0.95:                                # live XML churn
            if self.live and self.rng.random() < 0.5:
                p = self.rng.choice(list(self.live))
                os.unlink(p)
                del self.live[p]
                self.changes += 1
                self.add_live()
            elif self.live:
                p = self.rng.choice(list(self.live))
                name, u = self.live[p]
                self.put(p, live(name, u, self.feats()))
        else:                                         # host flips are timed; one more edit
            p = self.rng.choice(list(self.files))
            name, u = self.files[p]
            self.put(p, domain(name, u, self.feats()))
            self.bad.discard(p)

    # --- daemon ------------------------------------------------------------------------------
    def start_daemon(self):
        cfg = os.path.join(self.out, "guestcap.toml")
        open(cfg, "w").close()
        self.log = open(os.path.join(self.out, "daemon.log"), "w")
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        # PIDs are reused: the journal is read from this run's start on, not by _PID alone.
        self.started_at = int(time.time()) - 1
        self.proc = subprocess.Popen(
            [self.a.bin, "daemon", "--config", cfg, "--host-root", self.host, "--database", self.db,
             "--watch", f"libvirt={self.persist}", "--watch", f"libvirt-live={self.livedir}",
             "--sample-interval", "1"], stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        # Ready = the *daemon started* entry of this pid.
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"daemon exited: {open(self.log.name).read()[-2000:]}")
            if self.journal(["GUESTCAP_EVENT=daemon-started"], fields="GUESTCAP_EVENT"):
                return
            time.sleep(0.5)
        sys.exit("daemon not ready within 300 s")

    def mem(self):
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        return out

    def journal(self, matches, fields="GUESTCAP_EVENT,GUESTCAP_FINDING_ID,GUESTCAP_STATE"):
        subprocess.run(["timeout", "20", "journalctl", "--sync"], capture_output=True)
        r = subprocess.run(["journalctl", "-q", "--no-pager", "-o", "json", f"--output-fields={fields}",
                            f"--since=@{self.started_at}", f"_PID={self.proc.pid}"] + matches,
                           capture_output=True, text=True)
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    # --- the three sets ------------------------------------------------------------------------
    def expected(self):
        r = subprocess.run([self.a.bin, "check", "--format", "json", "--host-root", self.host, self.persist, self.livedir],
                           capture_output=True, text=True)
        doc = json.loads(r.stdout)
        ids = set()
        for g in doc.get("guests", []):
            for f in g.get("findings", []):
                if f.get("state", "open") == "open":
                    ids.add(f["id"])
        host_ids = {f["id"] for f in (doc.get("host") or {}).get("findings", []) or [] if f.get("id")}
        return ids, host_ids, doc

    def database(self):
        r = subprocess.run([self.a.bin, "status", "--format", "json", "--database", self.db],
                           capture_output=True, text=True)
        doc = json.loads(r.stdout)
        return {f["id"] for f in doc["findings"] if f["state"] == "open"}, doc

    def replay(self):
        state = {}
        for e in self.journal(["GUESTCAP_EVENT=opened", "GUESTCAP_EVENT=resolved", "GUESTCAP_EVENT=waived",
                               "GUESTCAP_EVENT=waiver-expired"]):
            fid = e.get("GUESTCAP_FINDING_ID")
            if fid:
                state[fid] = e.get("GUESTCAP_STATE")
        return {k for k, v in state.items() if v == "open"}, len(state)

    # --- run ---------------------------------------------------------------------------------
    def run(self):
        a = self.a
        self.setup()
        t0 = time.time()
        self.start_daemon()
        ready_s = time.time() - t0
        time.sleep(2)
        self.initial_host = timeless(self.database()[1].get("host"))
        m0 = self.mem()
        print(f"soak: {a.guests} guests ({a.live} live) in {self.out}, daemon pid {self.proc.pid} ready in "
              f"{ready_s:.1f} s, VmRSS {m0['VmRSS']} kB", flush=True)
        start = time.time()
        next_host = start + a.host_every
        next_mem = start + 10
        while time.time() - start < a.duration:
            if self.proc.poll() is not None:
                sys.exit(f"daemon died: {open(self.log.name).read()[-2000:]}")
            self.step()
            now = time.time()
            if now >= next_host:
                self.set_host((self.rng.randrange(len(MSR_STATES)), self.rng.randrange(2), self.rng.randrange(2)))
                next_host = now + a.host_every
            if now >= next_mem:
                m = self.mem()
                self.rss.append((round(now - start), m["VmRSS"]))
                print(f"soak: t={now - start:.0f}s changes={self.changes} ({self.changes / (now - start):.0f}/s) "
                      f"VmRSS={m['VmRSS']} kB", flush=True)
                next_mem = now + 30
            if a.rate:
                time.sleep(1.0 / a.rate)
        churn_s = time.time() - start
        churn_changes = self.changes

        # Final host state = the initial one; wait until the daemon has recorded it, then give
        # every live guest a fresh identity so its boot host is the final host (policy-model §2:
        # a running guest is judged against the host it booted on, which `check` cannot know).
        # An unreadable file keeps its last good findings open in the daemon (no all-clear from
        # a broken file), which `check` cannot know: repair them all before comparing.
        repaired = len(self.bad)
        for p in list(self.bad):
            name, u = self.files[p]
            self.put(p, domain(name, u, self.feats()))
        self.bad.clear()
        self.set_host((0, 0, 0))
        initial = None
        deadline = time.time() + 120
        while time.time() < deadline:
            _, doc = self.database()
            if doc.get("host") and timeless(doc["host"]) == self.initial_host:
                initial = True
                break
            time.sleep(1)
        time.sleep(3)
        for p in list(self.live):
            os.unlink(p)
            del self.live[p]
        for _ in range(a.live):
            self.add_live()

        # Settle: poll until the database equals the ground truth, bounded.
        expected, host_ids, _ = self.expected()
        settle0 = time.time()
        db = set()
        while time.time() - settle0 < a.settle:
            db, _ = self.database()
            if db - host_ids == expected:
                break
            time.sleep(2)
        settle_s = time.time() - settle0
        db, status = self.database()
        m1 = self.mem()
        jr, journal_findings = self.replay()
        transitions = len(self.journal(["GUESTCAP_EVENT=opened", "GUESTCAP_EVENT=resolved"], fields="GUESTCAP_EVENT"))
        hostchanges = len(self.journal(["GUESTCAP_EVENT=host-changed"], fields="GUESTCAP_EVENT"))
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=120)
        integrity = subprocess.run(["sqlite3", self.db, "PRAGMA integrity_check;"], capture_output=True, text=True).stdout.strip() \
            if shutil.which("sqlite3") else "sqlite3 not installed"

        db_g, jr_g = db - host_ids, jr - host_ids
        res = {
            "guests": a.guests, "live": a.live, "duration_s": round(churn_s, 1), "changes": churn_changes,
            "changes_per_s": round(churn_changes / churn_s, 1),
            "transitions_in_journal": transitions, "transitions_per_s": round(transitions / churn_s, 1),
            "host_changes_logged": hostchanges, "unreadable_repaired_at_end": repaired, "settle_s": round(settle_s, 1),
            "final_host_recorded": bool(initial),
            "rss_start_kb": m0["VmRSS"], "rss_end_kb": m1["VmRSS"], "hwm_kb": m1["VmHWM"], "rss_samples": self.rss,
            "expected_open": len(expected), "database_open": len(db_g), "journal_open": len(jr_g),
            "findings_seen_in_journal": journal_findings,
            "missing_in_database": sorted(expected - db_g)[:20], "phantom_in_database": sorted(db_g - expected)[:20],
            "missing_in_journal": sorted(expected - jr_g)[:20], "phantom_in_journal": sorted(jr_g - expected)[:20],
            "host_findings_db": sorted(db & host_ids), "host_findings_journal": sorted(jr & host_ids),
            "mismatches": len(expected ^ db_g) + len(expected ^ jr_g) + len((db & host_ids) ^ (jr & host_ids)),
            "daemon_exit": rc, "integrity_check": integrity, "dir": self.out,
        }
        with open(os.path.join(self.out, "result.json"), "w") as f:
            json.dump(res, f, indent=2)
        print(json.dumps({k: v for k, v in res.items() if k != "rss_samples"}, indent=2))
        if not a.keep and res["mismatches"] == 0:
            for d in (self.persist, self.livedir):
                shutil.rmtree(d, ignore_errors=True)
        return 0 if res["mismatches"] == 0 and rc == 0 else 1


def timeless(v):
    """A JSON value without its time stamps (to compare host states)."""
    if isinstance(v, dict):
        return {k: timeless(x) for k, x in v.items() if not (k.endswith("_at") or "time" in k or k in ("began", "sampled", "since"))}
    if isinstance(v, list):
        return [timeless(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guests", type=int, default=1000)
    ap.add_argument("--live", type=int, default=100)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--rate", type=float, default=0, help="changes per second (0: as fast as possible)")
    ap.add_argument("--host-every", type=float, default=5, help="seconds between host-tree flips")
    ap.add_argument("--settle", type=float, default=300, help="seconds to wait for the daemon to catch up")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/guestcap"))
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    h = Harness(a)
    sys.exit(h.run())


if __name__ == "__main__":
    main()
