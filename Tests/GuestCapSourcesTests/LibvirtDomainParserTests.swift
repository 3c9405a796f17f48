import GuestCapCore
import Testing
@testable import GuestCapSources

@Suite("libvirt domain XML")
struct LibvirtDomainParserTests {
    private let loader = GuestConfigLoader()

    private func parse(_ relative: String, hint: GuestSource? = nil) throws -> GuestConfig {
        try LibvirtDomainParser.parse(Fixture.bytes(relative), path: Fixture.path(relative), sourceHint: hint)
    }

    @Test("custom model with features in document order; optional depends on kvm_default")
    func customWithFeatures() throws {
        let config = try parse("libvirt/db01.xml")
        #expect(config.source == .libvirt)
        #expect(config.name == "db01")
        #expect(config.uuid == "3a1f0c2e-7b44-4d19-9e2a-5c6d7e8f9012")
        #expect(config.cpu.base == .model(name: "Cascadelake-Server"))
        #expect(config.cpu.baseOrigin == ConfigOrigin("<model>Cascadelake-Server</model>", line: 17))

        // Cascadelake-Server (v1) has no bits and hides the MSR; arch-capabilities=require shows it.
        // The Cascade Lake host's kvm_default lacks taa-no, so `optional` adds nothing there.
        let onCascadeLake = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(onCascadeLake.visible)
        #expect(onCascadeLake.value == bits("mds-no", "skip-l1dfl-vmentry"))
        #expect(onCascadeLake.provenance[5] == ConfigOrigin("<feature policy='force' name='mds-no'/>", line: 21))
        #expect(onCascadeLake.provenance[3] == ConfigOrigin("<feature name='skip-l1dfl-vmentry'/>", line: 24))

        let onSapphireRapids = AdvertisedValue(config: config, host: TestHosts.sapphireRapids)
        #expect(onSapphireRapids.value == bits("mds-no", "skip-l1dfl-vmentry", "taa-no"))
        #expect(onSapphireRapids.provenance[8]?.text == "<feature policy='optional' name='taa-no'/>")
    }

    @Test("host-passthrough: KVM's default, then disable and require")
    func passthrough() throws {
        let config = try parse("libvirt/passthrough.xml")
        #expect(config.cpu.base == .kvmDefault(label: "host-passthrough"))
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == TestHosts.cascadeLake.kvmDefault.subtracting(bits("mds-no")).union(bits("fb-clear")))
        #expect(g.visible)
    }

    @Test("the old name arch-facilities hides the MSR just like arch-capabilities")
    func archFacilities() throws {
        let config = try parse("libvirt/legacy-facilities.xml")
        #expect(config.cpu.base == .kvmDefault(label: "host-model"))
        #expect(config.uuid == nil)
        #expect(!AdvertisedValue(config: config, host: TestHosts.cascadeLake).visible)
    }

    @Test("a <cpu> with only <topology> is QEMU's default CPU")
    func topologyOnly() throws {
        let config = try parse("libvirt/topology-only.xml")
        #expect(config.cpu.base == .qemuDefault)
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == .empty && !g.visible)
    }

    @Test("an unknown model still yields its features and is flagged")
    func unknownModel() throws {
        let g = AdvertisedValue(config: try parse("libvirt/unknown-model.xml"), host: TestHosts.cascadeLake)
        #expect(g.unknownModel == "PantherLake-Server")
        #expect(g.value == bits("gds-no"))
    }

    @Test("no <cpu> at all")
    func noCPU() throws {
        let bytes = Array("<domain type='kvm'><name>bare</name></domain>".utf8)
        let config = try LibvirtDomainParser.parse(bytes, path: "/etc/libvirt/qemu/bare.xml", sourceHint: nil)
        #expect(config.cpu.base == .qemuDefault)
    }

    @Test("source hint: a <domain> in the live folder is live; a <domstatus> is always live")
    func hints() throws {
        #expect(try parse("libvirt/passthrough.xml", hint: .libvirtLive).source == .libvirtLive)
        #expect(try parse("libvirt-real/gc-maximum.live.xml", hint: .libvirt).source == .libvirtLive)
    }

    @Test("a feature named twice: libvirt's own wording, with the line")
    func duplicateFeature() {
        #expect(throws: GuestConfigError.malformed("CPU feature 'mds-no' specified more than once", line: 6)) {
            try parse("hostile/duplicate-feature.xml")
        }
    }

    @Test("a <network> is another kind of document")
    func network() {
        #expect(throws: GuestConfigError.otherKind("an XML document with root element <network>, not a libvirt domain"))
        {
            try parse("libvirt/network.xml")
        }
    }

    // MARK: - Files written by libvirt 9.0 + QEMU 7.2 (TCG)

    @Test("real persistent XML: force mds-no and require taa-no on Cascadelake-Server (v1: MSR hidden)")
    func realForceMDS() throws {
        let config = try parse("libvirt-real/gc-force-mds.persistent.xml")
        #expect(config.name == "gc-force-mds")
        #expect(config.uuid == "b6d55c9a-2524-482e-b995-ac08dcb991ee")
        #expect(config.pid == nil)
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == bits("mds-no", "taa-no"))
        #expect(!g.visible)
        #expect(g.provenance[5] == ConfigOrigin("<feature policy='force' name='mds-no'/>", line: 20))
    }

    @Test("real live XML: the nested <domain>'s <cpu> counts (QEMU filtered both bits), pid from <domstatus>")
    func realForceMDSLive() throws {
        let config = try parse("libvirt-real/gc-force-mds.live.xml")
        #expect(config.source == .libvirtLive)
        #expect(config.pid == 30425)
        #expect(config.name == "gc-force-mds")
        #expect(config.cpu.baseOrigin.line == 244)
        let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(g.value == .empty)
    }

    @Test("real maximum, qemu64 and Skylake-Client domains")
    func realModes() throws {
        let maximum = try parse("libvirt-real/gc-maximum.live.xml")
        #expect(maximum.cpu.base == .kvmDefault(label: "maximum"))
        #expect(maximum.pid == 31362)
        #expect(AdvertisedValue(config: maximum, host: TestHosts.cascadeLake).value == TestHosts.cascadeLake.kvmDefault)

        // libvirt writes the qemu64 model in itself when the domain had no <cpu>.
        let nocpu = AdvertisedValue(
            config: try parse("libvirt-real/gc-nocpu.persistent.xml"), host: TestHosts.cascadeLake)
        #expect(nocpu.value == .empty && !nocpu.visible && nocpu.unknownModel == nil)

        let modelOnly = AdvertisedValue(
            config: try parse("libvirt-real/gc-model-only.live.xml"), host: TestHosts.cascadeLake)
        #expect(modelOnly.value == .empty && !modelOnly.visible)
    }

    @Test(
        "real arch-capabilities + optional rdctl-no: on iff kvm_default has it; the live file shows QEMU dropped both")
    func realArchCapabilities() throws {
        let config = try parse("libvirt-real/gc-archcap.persistent.xml")
        let immune = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
        #expect(immune.visible)
        #expect(immune.value == bits("rdctl-no"))
        let affected = AdvertisedValue(config: config, host: TestHosts.skylake)
        #expect(affected.visible)
        #expect(affected.value == .empty)

        let live = AdvertisedValue(config: try parse("libvirt-real/gc-archcap.live.xml"), host: TestHosts.cascadeLake)
        #expect(!live.visible)
        #expect(live.value == .empty)
    }

    @Test("real domain naming a feature libvirt 9.0 refuses (gds-no): guestcap still reads it")
    func realNewerFeatureName() throws {
        let g = AdvertisedValue(
            config: try parse("libvirt-real/gc-unknown-feature.persistent.xml"), host: TestHosts.cascadeLake)
        #expect(g.value == bits("gds-no"))
    }

    @Test("real .args and /proc cmdline captured from the same guests agree with the XML")
    func realCommandLines() throws {
        let args = try #require(loader.load(path: Fixture.path("libvirt-real/gc-force-mds.args")).first?.config)
        let cmdline = try #require(loader.load(path: Fixture.path("libvirt-real/gc-force-mds.cmdline")).first?.config)
        for config in [args, cmdline] {
            #expect(config.source == .qemu)
            #expect(config.name == "gc-force-mds")
            #expect(config.uuid == "b6d55c9a-2524-482e-b995-ac08dcb991ee")
            let g = AdvertisedValue(config: config, host: TestHosts.cascadeLake)
            #expect(g.value == bits("mds-no", "taa-no"))
            #expect(g.provenance[8]?.text == "-cpu Cascadelake-Server,taa-no=on")
        }
        let archcap = try #require(loader.load(path: Fixture.path("libvirt-real/gc-archcap.args")).first?.config)
        let g = AdvertisedValue(config: archcap, host: TestHosts.cascadeLake)
        #expect(g.visible && g.value == .empty)
        let maximum = try #require(loader.load(path: Fixture.path("libvirt-real/gc-maximum.cmdline")).first?.config)
        #expect(maximum.cpu.base == .kvmDefault(label: "-cpu max"))
    }

    @Test("scanning the real folder as the live folder: every .xml and .args is a guest, sorted")
    func realFolder() {
        let outcomes = loader.scan(directory: Fixture.path("libvirt-real"), sourceHint: .libvirtLive)
        #expect(outcomes.count == 16)  // 11 .xml + 5 .args; .cmdline is not a candidate
        #expect(outcomes.allSatisfy { $0.config != nil })
        #expect(outcomes.map(\.path) == outcomes.map(\.path).sorted())
        let sources = Set(outcomes.compactMap { $0.config?.source })
        #expect(sources == [.libvirtLive, .qemu])
    }
}
