import Foundation
import Testing

/// Ground truth for Firecracker: a small VMM (kvm-msr-vmm.c, built here with gcc) does what
/// Firecracker does with MSR 0x10a — KVM_SET_CPUID2 with CPUID.7.0:EDX[29], KVM_SET_MSRS of
/// the template's value — and runs a guest that reads it back, for every Firecracker fixture;
/// the reading is compared with guestcap's G on an Intel host (where Firecracker passes the MSR).
/// Where KVM refuses the write or clears the CPUID bit (a nested PVM backend) the test asserts
/// that refusal and ends as skipped, saying so.
@Suite("KVM: a Firecracker template's MSR 0x10a as a guest reads it, against G")
struct KVMGroundTruthTests {
    static let fixtures: [String] = {
        let fm = FileManager.default
        var files = ["examples/guests/fc-its-template.json", "examples/guests/fc-t2s.json"].map {
            CLI.packageRoot + "/" + $0
        }
        for dir in [
            "Tests/GuestCapSourcesTests/Fixtures/firecracker",
            "Tests/GuestCapSourcesTests/Fixtures/firecracker/templates",
        ] {
            let path = CLI.packageRoot + "/" + dir
            for name in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() where name.hasSuffix(".json") {
                files.append(path + "/" + name)
            }
        }
        return files
    }()

    @Test("KVM_SET_MSRS of each template's value, read back by a guest, equals G")
    func firecrackerTemplates() async throws {
        guard FileManager.default.isReadableFile(atPath: "/dev/kvm"),
            FileManager.default.isWritableFile(atPath: "/dev/kvm")
        else {
            try Test.cancel("/dev/kvm is missing or not readable and writable by this user: no KVM to ask")
        }
        let vmm = CLI.tempDir() + "/kvm-msr-vmm"
        let cc = try await CLI.run(
            "gcc", ["-O2", "-Wall", "-o", vmm, CLI.packageRoot + "/Tests/GuestCapCLITests/kvm-msr-vmm.c"])
        try #require(cc.status == 0, "gcc: \(cc.stderr)")

        var refused: [String] = []
        var cleared: [String] = []
        var compared = 0
        for file in Self.fixtures {
            let check = try await CLI.guestcap([
                "check", "--host-root", CLI.packageRoot + "/examples/hosts/cascadelake", "--format", "json", file,
            ])
            for guest in try ProbeSupport.guests(check.stdout) where guest["source"] as? String == "firecracker" {
                let g = try #require(guest["arch_capabilities"] as? [String: Any], "\(file): no G")
                let value = try #require(g["value"] as? String)
                let visible = g["visible"] as? Bool == true
                let label = "\((file as NSString).lastPathComponent) \(value)"
                let run = try await CLI.run(vmm, [visible ? value : "hidden"])
                let line = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let fields = Dictionary(
                    line.split(separator: " ").dropFirst().compactMap { f -> (String, String)? in
                        let kv = f.split(separator: "=", maxSplits: 1)
                        return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
                    }, uniquingKeysWith: { $1 })
                switch run.status {
                case 3:
                    // KVM refused the write: only a non-zero value can be refused.
                    #expect(UInt64(value.dropFirst(2), radix: 16) != 0, "\(label): KVM refused writing zero: \(line)")
                    refused.append(label)
                case 0 where visible && fields["visible"] == "0":
                    cleared.append(label)  // KVM dropped CPUID.7.0:EDX[29] that the VMM set
                case 0:
                    compared += 1
                    #expect(fields["visible"] == (visible ? "1" : "0"), "\(label): \(line)")
                    if visible { #expect(fields["msr10a"] == value, "\(label): G \(value), the guest read \(line)") }
                default:
                    Issue.record("\(label): kvm-msr-vmm failed: \(line) \(run.stderr)")
                }
                print("kvm ground truth \(label) visible=\(visible): \(line)")
            }
        }
        #expect(refused.count + cleared.count + compared >= Self.fixtures.count, "every fixture was tried")
        if !refused.isEmpty || !cleared.isEmpty {
            try Test.cancel(
                "this host's KVM does not keep what a VMM writes: KVM_SET_MSRS refused \(refused.count) non-zero value(s) (\(refused.joined(separator: ", "))); CPUID.7.0:EDX[29] cleared for \(cleared.joined(separator: ", ")); \(compared) compared"
            )
        }
    }
}
