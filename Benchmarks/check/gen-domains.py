#!/usr/bin/env python3
"""Write N realistic libvirt domain XML files (4-10 KB each) into DIR.

    Benchmarks/check/gen-domains.py N DIR [--seed S] [--references]

Each domain has disks, NICs, controllers, consoles, a <cpu> with a model and features
(some of them MSR 0x10a bits), and the leading comment libvirt writes. --references puts
character and entity references and CR LF line ends into the guest's name, into text and
into an attribute the parser skips, so the parser's decoding path is measured too.
"""
import os
import random
import sys
import uuid

MODELS = ["Cascadelake-Server-v2", "Cascadelake-Server", "Icelake-Server-v5", "SapphireRapids-v2",
          "Skylake-Server-IBRS", "EPYC-Milan", "GraniteRapids-v1", "Haswell-noTSX"]
MSR_FEATURES = ["mds-no", "taa-no", "rdctl-no", "ssb-no", "gds-no", "rfds-no", "pschange-mc-no", "sbdr-ssdp-no"]
OTHER_FEATURES = ["ss", "vmx", "pdcm", "hypervisor", "tsc_adjust", "clflushopt", "umip", "pku", "md-clear",
                  "stibp", "arch-capabilities", "xsaves", "ibpb", "amd-ssbd", "skip-l1dfl-vmentry"]


def domain(i, rnd):
    name = f"bench-{i:05d}"
    u = uuid.UUID(int=rnd.getrandbits(128), version=4)
    mode = rnd.random()
    feats = []
    if mode < 0.15:
        cpu = "  <cpu mode='host-passthrough' check='none' migratable='on'/>\n"
    elif mode < 0.25:
        cpu = "  <cpu mode='host-model' check='partial'/>\n"
    else:
        chosen = rnd.sample(OTHER_FEATURES, rnd.randint(3, 8)) + rnd.sample(MSR_FEATURES, rnd.randint(0, 3))
        for f in chosen:
            policy = rnd.choice(["require", "require", "force", "disable", "optional"])
            feats.append(f"    <feature policy='{policy}' name='{f}'/>\n")
        cpu = (f"  <cpu mode='custom' match='exact' check='partial'>\n"
               f"    <model fallback='forbid'>{rnd.choice(MODELS)}</model>\n"
               f"    <vendor>Intel</vendor>\n"
               f"    <topology sockets='1' dies='1' cores='{rnd.choice([2, 4, 8])}' threads='2'/>\n"
               + "".join(feats) + "  </cpu>\n")
    disks = ""
    for d in range(rnd.randint(2, 7)):
        dev = "vd" + chr(ord("a") + d)
        disks += (f"    <disk type='file' device='disk'>\n"
                  f"      <driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>\n"
                  f"      <source file='/var/lib/libvirt/images/{name}-{dev}.qcow2' index='{d + 1}'/>\n"
                  f"      <backingStore/>\n"
                  f"      <target dev='{dev}' bus='virtio'/>\n"
                  f"      <serial>{u.hex[:8]}-{d}</serial>\n"
                  f"      <address type='pci' domain='0x0000' bus='0x{d + 4:02x}' slot='0x00' function='0x0'/>\n"
                  f"    </disk>\n")
    nics = ""
    for n in range(rnd.randint(1, 6)):
        mac = "52:54:00:%02x:%02x:%02x" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        nics += (f"    <interface type='bridge'>\n"
                 f"      <mac address='{mac}'/>\n"
                 f"      <source bridge='br{n}'/>\n"
                 f"      <virtualport type='openvswitch'>\n"
                 f"        <parameters interfaceid='{uuid.UUID(int=rnd.getrandbits(128), version=4)}'/>\n"
                 f"      </virtualport>\n"
                 f"      <model type='virtio'/>\n"
                 f"      <driver name='vhost' queues='4'/>\n"
                 f"      <address type='pci' domain='0x0000' bus='0x{n + 1:02x}' slot='0x00' function='0x0'/>\n"
                 f"    </interface>\n")
    controllers = "".join(
        f"    <controller type='pci' index='{c}' model='pcie-root-port'>\n"
        f"      <model name='pcie-root-port'/>\n"
        f"      <target chassis='{c}' port='0x{c + 15:x}'/>\n"
        f"      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x{c % 8:x}'/>\n"
        f"    </controller>\n" for c in range(1, rnd.randint(4, 12)))
    return f"""<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit {name}
or other application using the libvirt API.
-->

<domain type='kvm'>
  <name>{name}</name>
  <uuid>{u}</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>tenant-vm-{i}</nova:name>
      <nova:flavor name="m1.large"><nova:memory>8192</nova:memory><nova:vcpus>4</nova:vcpus></nova:flavor>
    </nova:instance>
  </metadata>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>8388608</currentMemory>
  <vcpu placement='static'>4</vcpu>
  <cputune>
    <shares>4096</shares>
  </cputune>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
    <smbios mode='sysinfo'/>
  </os>
  <features>
    <acpi/>
    <apic/>
    <vmport state='off'/>
  </features>
{cpu}  <clock offset='utc'>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm>
    <suspend-to-mem enabled='no'/>
    <suspend-to-disk enabled='no'/>
  </pm>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
{disks}    <controller type='usb' index='0' model='none'/>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
{controllers}{nics}    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <audio id='1' type='none'/>
    <video>
      <model type='virtio' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x08' slot='0x00' function='0x0'/>
    </memballoon>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
  </devices>
</domain>
"""


def with_references(text):
    """The domain with references and CR LF in kept and skipped text and in an attribute."""
    text = text.replace("<nova:memory>8192</nova:memory>", "<nova:memory>8&#49;92 &amp; more&#10;\r\nline</nova:memory>")
    text = text.replace('name="m1.large"', 'name="m1 &amp; large&#9;x\r\ny"')
    start = text.index("<name>") + len("<name>")
    end = text.index("</name>")
    return text[:start] + text[start:end] + "&amp;&#x41;" + text[end:]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    n, out = int(argv[1]), argv[2]
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 7
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    sizes = []
    for i in range(n):
        text = domain(i, rnd)
        if "--references" in argv:
            text = with_references(text)
        sizes.append(len(text))
        with open(os.path.join(out, f"bench-{i:05d}.xml"), "w") as f:
            f.write(text)
    print(f"wrote {n} domains to {out}: {min(sizes)}-{max(sizes)} bytes, mean {sum(sizes) // n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
