import Testing
@testable import GuestCapSources

@Suite("the probe guest: what it copies from a libvirt domain and a QEMU command line")
struct ProbeGuestTests {
    @Test("a live file: the nested domain's <cpu>, type, machine and emulator; topology and NUMA left out")
    func libvirtLive() throws {
        let xml = """
            <domstatus state='running' pid='42'><cpu><model>ignored</model></cpu>
            <domain type='kvm'><name>web</name>
              <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
              <cpu mode='custom' match='exact' check='full'>
                <model fallback='forbid'>Cascadelake-Server</model>
                <topology sockets='1' cores='4' threads='2'/>
                <feature policy='require' name='arch-capabilities'/>
                <numa><cell id='0' cpus='0-7' memory='4' unit='GiB'/></numa>
              </cpu>
              <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><disk type='file'/></devices>
            </domain></domstatus>
            """
        let d = try LibvirtProbeDomain(xml: Array(xml.utf8))
        #expect(d.domainType == "kvm" && d.machine == "pc-q35-7.2" && d.emulator == "/usr/bin/qemu-system-x86_64")
        #expect(
            d.cpuXML
                == "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>Cascadelake-Server</model><feature policy='require' name='arch-capabilities'/></cpu>"
        )
        let out = d.domainXML(name: "guestcap-probe-1", kernel: "/tmp/a'b/k.elf", serialLog: "/tmp/s.log")
        #expect(out.contains("<kernel>/tmp/a&apos;b/k.elf</kernel>"), "escaped")
        #expect(out.contains("<vcpu placement='static'>1</vcpu>") && out.contains("<memory unit='MiB'>32</memory>"))
        #expect(!out.contains("<disk") && !out.contains("topology"))
        #expect(
            try LibvirtProbeDomain(xml: Array(out.utf8)).cpuXML == d.cpuXML, "the written domain reads back the same")
    }

    @Test("no <cpu>, no machine: neither is invented; a <network> is refused")
    func libvirtBare() throws {
        let d = try LibvirtProbeDomain(xml: Array("<domain type='qemu'><name>x</name></domain>".utf8))
        #expect(d.cpuXML == nil && d.machine == nil && d.arch == "x86_64")
        #expect(!d.domainXML(name: "n", kernel: "k", serialLog: "s").contains("<cpu"))
        #expect(throws: GuestConfigError.self) { try LibvirtProbeDomain(xml: Array("<network/>".utf8)) }
    }

    @Test("a QEMU command line: the last -cpu, every accelerator, the machine without memory-backend=")
    func qemu() throws {
        let line =
            "LC_ALL=C /usr/bin/qemu-system-x86_64 -name guest=a -machine pc-i440fx-7.2,usb=off,memory-backend=pc.ram,accel=tcg "
            + "-cpu qemu64 -enable-kvm -accel tcg -cpu Cascadelake-Server,+mds-no -m 4096 -drive file=/x.img"
        let c = try QEMUProbeCommand(commandLine: Array(line.utf8))
        #expect(c.binary == "/usr/bin/qemu-system-x86_64" && c.cpu == "Cascadelake-Server,+mds-no")
        #expect(c.machine == "pc-i440fx-7.2,usb=off,accel=tcg" && c.accelerators == ["kvm", "tcg"])
        let args = c.arguments(kernel: "/k.elf", serialLog: "/s.log")
        #expect(
            args.contains("/k.elf") && args.contains("file:/s.log") && !args.contains("/x.img")
                && !args.contains("4096"))
        #expect(c.acceleratorDescription == "kvm")
        let proc = try QEMUProbeCommand(commandLine: Array("qemu-system-x86_64\0-cpu\0max\0".utf8))
        #expect(proc.cpu == "max" && proc.acceleratorDescription == "QEMU's default (tcg)")
        #expect(throws: GuestConfigError.self) {
            try QEMUProbeCommand(commandLine: Array("qemu-system-aarch64 -cpu max".utf8))
        }
    }
}
