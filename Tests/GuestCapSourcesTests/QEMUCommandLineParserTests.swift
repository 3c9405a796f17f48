import GuestCapCore
import Testing
@testable import GuestCapSources

@Suite("QEMU command lines")
struct QEMUCommandLineParserTests {
    private func args(_ text: String) throws -> GuestConfig {
        try QEMUCommandLineParser.parseArgs(Array(text.utf8), path: "/test/vm.args")
    }

    @Test("virsh-style .args: env assignments, continuations, name, uuid, and minus wins over plus")
    func libvirtArgsFile() throws {
        let path = Fixture.path("qemu/web01.args")
        let config = try QEMUCommandLineParser.parseArgs(Fixture.bytes("qemu/web01.args"), path: path)
        #expect(config.source == .qemu)
        #expect(config.name == "web01")
        #expect(config.uuid == "6f1c2a4e-9b7d-4c1e-8a53-2d0e4b6c7f10")
        #expect(config.cpu.base == .model(name: "Cascadelake-Server-v2"))
        #expect(config.cpu.baseOrigin.line == 11)
        #expect(config.contentHash == SHA256.hex(of: Fixture.bytes("qemu/web01.args")))
        // mds-no=off first, then +mds-no, then -taa-no; ss/vmx/hypervisor are not 0x10a bits.
        #expect(
            config.cpu.operations.map(\.origin.text) == [
                "-cpu Cascadelake-Server-v2,mds-no=off",
                "-cpu Cascadelake-Server-v2,+mds-no",
                "-cpu Cascadelake-Server-v2,-taa-no",
            ])

        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == bits("rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no"))
        #expect(g.visible)
        #expect(g.provenance[5] == ConfigOrigin("-cpu Cascadelake-Server-v2,+mds-no", line: 11))
        #expect(g.provenance[0]?.text == "model Cascadelake-Server-v2")
    }

    @Test("-cpu host: KVM's default, then name=on|off in order, then +, then - (minus applied last)")
    func hostWithFeatures() throws {
        let config = try args("qemu-system-x86_64 -cpu host,mds-no=off,+taa-no,-rdctl-no,+rdctl-no,ssb_no=on")
        #expect(config.cpu.base == .kvmDefault(label: "-cpu host"))
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        var expected = TestHosts.cascadeLake.kvmDefault
        expected.remove(bits("mds-no", "rdctl-no"))
        expected.formUnion(bits("taa-no", "ssb-no"))
        #expect(TestHosts.cascadeLake.kvmDefault.rawValue == 0x0400_00eb)
        #expect(g.value == expected)
        #expect(g.provenance[8]?.text == "-cpu host,+taa-no")
        #expect(g.provenance[4]?.text == "-cpu host,ssb_no=on")
    }

    @Test("minus beats an earlier plus and a later =on: -cpu Cascadelake-Server-v2,-mds-no,mds-no=on,+mds-no")
    func minusAlwaysWins() throws {
        let config = try args("qemu-system-x86_64 -cpu Cascadelake-Server-v2,-mds-no,mds-no=on,+mds-no")
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(!g.value.contains(bit: 5))
    }

    @Test("no -cpu: QEMU's default CPU, G = 0, MSR hidden")
    func noCPU() throws {
        let config = try args("/usr/libexec/qemu-kvm -name demo -m 512")
        #expect(config.cpu.base == .qemuDefault)
        #expect(config.name == "demo")
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == .empty)
        #expect(!g.visible)
    }

    @Test("arch-capabilities toggles visibility; the last -cpu wins; true/false accepted")
    func visibilityAndLastCPU() throws {
        let config = try args(
            "qemu-system-x86_64 -cpu host -cpu Skylake-Server,arch-capabilities=on,mds-no=true,rsba=false")
        #expect(config.cpu.base == .model(name: "Skylake-Server"))
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.visible)
        #expect(g.value == bits("mds-no"))

        let hidden = try args("qemu-system-x86_64 -cpu host,-arch-capabilities")
        #expect(!AdvertisedValue(config: hidden, host: TestHosts.cascadeLake).visible)
    }

    @Test("quoted -cpu value and ,, escapes in -name")
    func quoting() throws {
        let config = try args(
            "qemu-system-x86_64 -name 'guest=db,,primary,debug-threads=on' \"-cpu\" \"host,+fb-clear\"")
        #expect(config.name == "db,primary")
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value.contains(bit: 17))
    }

    @Test("/proc/PID/cmdline: NUL-separated, -name without guest=, pid recorded")
    func procCmdline() throws {
        let argv = [
            "/usr/bin/qemu-system-x86_64", "-name", "build07", "-uuid", "0E8D1F3A-1111-4222-8333-944455556666",
            "-cpu", "SapphireRapids-v2,-fbsdp-no", "-m", "4096",
        ]
        let bytes = Array(argv.joined(separator: "\0").utf8) + [0]
        let config = try QEMUCommandLineParser.parseCmdline(bytes, path: "/proc/4242/cmdline", pid: 4242)
        #expect(config.name == "build07")
        #expect(config.uuid == "0e8d1f3a-1111-4222-8333-944455556666")
        #expect(config.pid == 4242)
        #expect(config.cpu.baseOrigin.line == nil)
        let g = AdvertisedValue(config: config, host: TestHosts.sapphireRapids)
        #expect(
            g.value
                == bits(
                    "rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no", "pschange-mc-no", "taa-no",
                    "sbdr-ssdp-no", "psdp-no"))
    }

    @Test("a command that is not qemu-system-x86_64 is another kind of file, not a broken one")
    func notQEMU() {
        #expect(throws: GuestConfigError.otherKind("not a QEMU command line: it runs '/usr/bin/python3'")) {
            try QEMUCommandLineParser.parseArgs(Fixture.bytes("qemu/not-qemu.args"), path: "x.args")
        }
        let arm = #expect(throws: GuestConfigError.self) { try args("qemu-system-aarch64 -cpu host") }
        #expect(arm?.kind == .otherKind)
        #expect(arm?.reason.contains("not an x86 guest (qemu-system-aarch64)") == true)
    }

    @Test("unbalanced quote: malformed, naming the line where the quote opened")
    func unbalancedQuote() {
        let error = #expect(throws: GuestConfigError.self) {
            try QEMUCommandLineParser.parseArgs(Fixture.bytes("hostile/unbalanced-quote.args"), path: "x.args")
        }
        #expect(error?.description == "line 4: unbalanced single quote: the quote opened here is never closed")
    }

    @Test("a 0x10a property that is neither on nor off is an error; unknown properties are ignored")
    func badBool() throws {
        let error = #expect(throws: GuestConfigError.self) { try args("qemu-system-x86_64 -cpu host,mds-no=maybe") }
        #expect(error?.reason == "-cpu property 'mds-no=maybe' is neither on nor off")
        let fine = try args("qemu-system-x86_64 -cpu host,hv-spinlocks=0x1fff,level=13,bit29=on")
        #expect(fine.cpu.operations.isEmpty)
    }

    @Test("-cpu at the end with no value")
    func missingValue() {
        #expect(throws: GuestConfigError.malformed("-cpu has no value", line: 1)) {
            try args("qemu-system-x86_64 -m 512 -cpu")
        }
    }
}
