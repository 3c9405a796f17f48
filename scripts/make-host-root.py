#!/usr/bin/env python3
"""Build guestcap host-root trees (contracts/host-root.md) from small descriptions.

    scripts/make-host-root.py examples/hosts/hosts.json examples/hosts
    scripts/make-host-root.py --one DESCRIPTION.json DIR

A description is a JSON object:
  hostname, machine_id, kernel, vendor, family, model, stepping, microcode, model_name,
  flags (list), cpus (count), msr (hex string for every CPU, or a list per CPU; null = the
  CPU does not implement the MSR; "missing" = no msr node, as when the module is not loaded),
  vulnerabilities ({file: verdict}), vmentry_l1d_flush (string or null).
MSR files are sparse: 8 little-endian bytes at offset 0x10a, as the device answers a pread.
"""
import json
import os
import shutil
import sys

MSR = 0x10A


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def build(desc, root):
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    cpus = desc.get("cpus", 4)
    write(f"{root}/etc/hostname", desc["hostname"] + "\n")
    write(f"{root}/etc/machine-id", desc["machine_id"] + "\n")
    write(f"{root}/proc/sys/kernel/osrelease", desc.get("kernel", "6.1.0-28-amd64") + "\n")
    write(f"{root}/sys/devices/system/cpu/online", f"0-{cpus - 1}\n" if cpus > 1 else "0\n")
    blocks = []
    for n in range(cpus):
        blocks.append("\n".join([
            f"processor\t: {n}",
            f"vendor_id\t: {desc['vendor']}",
            f"cpu family\t: {desc['family']}",
            f"model\t\t: {desc['model']}",
            f"model name\t: {desc['model_name']}",
            f"stepping\t: {desc['stepping']}",
            f"microcode\t: {desc['microcode']}",
            "cpu MHz\t\t: 2100.000",
            f"flags\t\t: {' '.join(desc.get('flags', []))}",
        ]) + "\n")
    write(f"{root}/proc/cpuinfo", "\n".join(blocks))
    msr = desc.get("msr")
    values = msr if isinstance(msr, list) else [msr] * cpus
    for n, value in enumerate(values):
        os.makedirs(f"{root}/dev/cpu/{n}", exist_ok=True)
        if value == "missing":
            continue
        path = f"{root}/dev/cpu/{n}/msr"
        with open(path, "wb") as f:
            if value is None:
                f.truncate(MSR)  # shorter than 0x112: the CPU does not implement the MSR
            else:
                f.truncate(MSR)
                f.seek(MSR)
                f.write(int(value, 16).to_bytes(8, "little"))
        os.chmod(path, 0o600)
    for name, verdict in desc.get("vulnerabilities", {}).items():
        write(f"{root}/sys/devices/system/cpu/vulnerabilities/{name}", verdict + "\n", 0o444)
    if desc.get("vmentry_l1d_flush") is not None:
        write(f"{root}/sys/module/kvm_intel/parameters/vmentry_l1d_flush", desc["vmentry_l1d_flush"] + "\n", 0o444)


def main(argv):
    if len(argv) == 4 and argv[1] == "--one":
        with open(argv[2]) as f:
            build(json.load(f), argv[3])
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        hosts = json.load(f)
    for name, desc in hosts.items():
        build(desc, os.path.join(argv[2], name))
        print(f"{os.path.join(argv[2], name)}: {desc['model_name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
