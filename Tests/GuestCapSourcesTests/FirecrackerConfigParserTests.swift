import GuestCapCore
import Testing
@testable import GuestCapSources

@Suite("Firecracker configurations and templates")
struct FirecrackerConfigParserTests {
    private let loader = GuestConfigLoader()

    private func parse(_ relative: String) throws -> GuestConfig {
        let reader = ConfigFileReader(maxBytes: 1 << 20)
        return try FirecrackerConfigParser.parse(Fixture.bytes(relative), path: Fixture.path(relative)) {
            try reader.read($0)
        }
    }

    @Test("T2S forces 0x0c0a0c4c whatever the host, with the template line as provenance")
    func t2s() throws {
        let config = try parse("firecracker/api-t2s.json")
        #expect(config.source == .firecracker)
        #expect(config.name == "api-t2s")
        #expect(config.uuid == nil)
        #expect(config.cpu.baseOrigin == ConfigOrigin("\"cpu_template\": \"T2S\"", line: 18))
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value.rawValue == 0x0c0a_0c4c)
        #expect(g.visible)
        #expect(g.provenance[10]?.line == 18)
    }

    @Test("T2CL clears bits 9-12, 16, 18, 20-23, 25, 29-63 of KVM's default (its-no goes)")
    func t2cl() throws {
        let config = try parse("firecracker/batch-t2cl.json")
        let host = TestHosts.sapphireRapids
        #expect(host.kvmDefault.contains(bit: 62))
        let g = AdvertisedValue(config: config, host: host)
        #expect(g.value == host.kvmDefault.subtracting(FirecrackerTemplate.t2clClearMask))
        #expect(!g.value.contains(bit: 62))
        #expect(g.value.contains(bit: 5))
    }

    @Test("cpu-config file (relative to the config) wins over cpu_template; its bitmap sets and clears bits")
    func customTemplateFile() throws {
        let config = try parse("firecracker/ci-runner.json")
        #expect(config.cpu.base == .kvmDefault(label: "Firecracker custom template"))
        #expect(config.cpu.baseOrigin == ConfigOrigin("\"cpu-config\": \"templates/claims-immunity.json\"", line: 5))
        // 0b1_xx1x_xxx0: bit 8 (taa-no) and bit 5 (mds-no) set, bit 0 (rdctl-no) cleared.
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value.rawValue == (0x0400_00eb & ~0x1) | 0x120)
        #expect(g.provenance[8] == ConfigOrigin("claims-immunity.json: msr_modifiers 0x10a \"0b1_xx1x_xxx0\"", line: 6))
        // The template's bytes are part of the configuration's version.
        #expect(config.contentHash != SHA256.hex(of: Fixture.bytes("firecracker/ci-runner.json")))
    }

    @Test("standalone template: KVM default base, cpuid modifier clearing leaf 7 EDX[29] hides the MSR")
    func hidingTemplate() throws {
        let config = try parse("firecracker/templates/hide-msr.json")
        #expect(config.name == "hide-msr")
        #expect(config.cpu.base == .kvmDefault(label: "Firecracker custom template"))
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(!g.visible)
        #expect(g.value == TestHosts.cascadeLake.kvmDefault)
        #expect(config.cpu.operations.first?.origin.line == 10)
    }

    @Test("inline cpu-config object of all zeros: G = 0, still visible")
    func inlineTemplate() throws {
        let config = try parse("firecracker/inline.json")
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == .empty)
        #expect(g.visible)
    }

    @Test("no template at all: KVM's default; on AMD the guest cannot see the MSR")
    func noTemplate() throws {
        let bytes = Array(#"{"boot-source": {"kernel_image_path": "/k"}, "machine-config": {"vcpu_count": 1}}"#.utf8)
        let config = try FirecrackerConfigParser.parse(bytes, path: "/srv/fc/plain.json") { _ in [] }
        #expect(config.cpu.base == .kvmDefault(label: "Firecracker, no CPU template"))
        #expect(AdvertisedValue(config: config, host: TestHosts.cascadeLake).value == TestHosts.cascadeLake.kvmDefault)
        #expect(!AdvertisedValue(config: config, host: TestHosts.epyc).visible)
    }

    @Test("bitmaps: padding with x, _ separators, bad characters and too many digits")
    func bitmaps() throws {
        let short = try FirecrackerBitmap("0b1_0x", width: 64)
        #expect(short.set == 0b100 && short.clear == 0b010)
        let noPrefix = try FirecrackerBitmap("x1", width: 64)
        #expect(noPrefix.set == 1)
        #expect(
            throws: GuestConfigError.malformed(
                "bitmap \"0b10z1\" has the character 'z'; only 0, 1, x and _ are allowed")
        ) {
            try FirecrackerBitmap("0b10z1", width: 64)
        }
        #expect(throws: GuestConfigError.self) { try FirecrackerBitmap(String(repeating: "x", count: 33), width: 32) }
    }

    @Test("a template with a bad bitmap or an unknown static template is unreadable, with the line")
    func badTemplates() {
        #expect(
            throws: GuestConfigError.malformed(
                "bitmap \"0b10z1\" has the character 'z'; only 0, 1, x and _ are allowed",
                line: 3)
        ) {
            try parse("hostile/bitmap-bad-char.json")
        }
        #expect(
            throws: GuestConfigError.malformed(
                "bitmap \"0b1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" has 65 digits, more than the 64 of the register",
                line: 3)
        ) {
            try parse("hostile/bitmap-too-long.json")
        }
        #expect(
            throws: GuestConfigError.malformed(
                "machine-config cpu_template 'T3' is not a Firecracker x86 template (C3, T2, T2A, T2S, T2CL, None)",
                line: 3)
        ) {
            try parse("hostile/unknown-template.json")
        }
    }

    @Test("unrelated JSON is another kind of document")
    func unrelated() {
        let error = #expect(throws: GuestConfigError.self) { try parse("hostile/unrelated.json") }
        #expect(error?.kind == .otherKind)
    }
}
