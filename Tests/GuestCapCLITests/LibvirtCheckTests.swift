import Foundation
import Testing

/// End to end with a real libvirtd + QEMU (TCG): guestcap reads the files libvirt itself wrote.
/// scripts/test.sh installs and starts libvirtd and sets GUESTCAP_E2E_LIBVIRT=1; `--quick` leaves it out.
@Suite("check on files written by a real libvirtd",
       .enabled(if: ProcessInfo.processInfo.environment["GUESTCAP_E2E_LIBVIRT"] == "1",
                "needs a running libvirtd: run scripts/test.sh (not --quick)"),
       .serialized)
struct LibvirtCheckTests {
    let script = CLI.packageRoot + "/scripts/libvirt-domain.sh"

    @Test("the persistent config requests mds-no; the live guest did not get it after QEMU's filtering")
    func persistentVersusLive() throws {
        let name = "gce2e-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try """
            <cpu mode='custom' match='exact' check='none'>
              <model fallback='forbid'>Cascadelake-Server</model>
              <feature policy='require' name='arch-capabilities'/>
              <feature policy='force' name='mds-no'/>
            </cpu>
            """.write(toFile: snippet, atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(script, ["cleanup", name]) }
        let define = try CLI.run(script, ["define", name, snippet])
        try #require(define.status == 0, "virsh define: \(define.stderr)")
        let start = try CLI.run(script, ["start", name])
        try #require(start.status == 0, "virsh start: \(start.stderr)")

        let persistent = "/etc/libvirt/qemu/\(name).xml", live = "/run/libvirt/qemu/\(name).xml"
        let r = try CLI.guestcap(["check", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/skylake-oldmicrocode",
                                  "--format", "json", persistent, live])
        #expect(r.status == 1, "the persistent config violates: \(r.stderr)")
        let v = try CLI.validate(r.stdout)
        #expect(v.status == 0, "\(v.stdout)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let guests = try #require(doc["guests"] as? [[String: Any]])
        let p = try #require(guests.first { $0["source"] as? String == "libvirt" })
        let l = try #require(guests.first { $0["source"] as? String == "libvirt-live" })
        #expect(p["name"] as? String == name && l["name"] as? String == name)
        #expect(p["status"] as? String == "violating")
        let pf = p["findings"] as? [[String: Any]] ?? []
        let immunity = pf.first { $0["rule"] as? String == "unjustified-immunity" }
        #expect(immunity?["bits"] as? [String] == ["mds-no"])
        #expect((immunity?["origins"] as? [String])?.first?.contains("name='mds-no'") == true)
        // QEMU (TCG) could not give arch-capabilities or mds-no; libvirt recorded that in the live XML.
        let lg = l["arch_capabilities"] as? [String: Any]
        #expect(lg?["visible"] as? Bool == false)
        #expect((lg?["bits"] as? [String])?.contains("mds-no") == false)
        #expect(l["status"] as? String == "compliant")

        let text = try CLI.guestcap(["check", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/skylake-oldmicrocode",
                                     persistent, live])
        #expect(text.stdout.contains("CRITICAL unjustified-immunity [mds-no]"))
        #expect(text.stdout.contains("claimed by <feature policy='force' name='mds-no'/>"))
    }

    @Test("a folder of libvirt's files: every defined domain is one guest, nothing else is listed")
    func folderScan() throws {
        let name = "gce2e-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try "<cpu mode='custom'><model>Skylake-Client</model></cpu>".write(toFile: snippet, atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(script, ["cleanup", name]) }
        try #require(try CLI.run(script, ["define", name, snippet]).status == 0)
        let r = try CLI.guestcap(["check", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/cascadelake",
                                  "--format", "json", "/etc/libvirt/qemu"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let guests = try #require(doc["guests"] as? [[String: Any]])
        let mine = guests.filter { $0["name"] as? String == name }
        #expect(mine.count == 1)
        #expect(mine.first?["status"] as? String == "compliant")
        #expect(guests.allSatisfy { ($0["path"] as? String)?.hasPrefix("/etc/libvirt/qemu/") == true })
    }
}
