import Foundation
import Testing
import GuestCapTestSupport

/// `guestcap probe` on QEMU command lines (the same qemu-system-x86_64, TCG and KVM), on inputs
/// it must refuse, and its usage.
@Suite(
    "probe: QEMU command lines and refusals",
    .needs(.qemu))
struct ProbeCommandTests {
    func args(_ line: String) throws -> String {
        let file = CLI.tempDir() + "/guest.args"
        try line.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// probe's G is check's G for the file, and what the probe read equals it.
    func expectGroundTruth(_ file: String, _ label: String) async throws {
        let check = try await CLI.guestcap(["check", "--format", "json", file])
        let g = try #require(
            ProbeSupport.guests(check.stdout).first?["arch_capabilities"] as? [String: Any], "\(check.stdout)")
        let probe = try await ProbeSupport.probe([file])
        let entry = try #require(try ProbeSupport.guests(probe.stdout).first, "\(probe.stdout) \(probe.stderr)")
        let read = try #require(entry["probe"] as? [String: Any], "not probed: \(entry["error"] ?? "")")
        let told = entry["guestcap"] as? [String: Any]
        #expect(
            told?["value"] as? String == g["value"] as? String && told?["visible"] as? Bool == g["visible"] as? Bool)
        #expect(
            read["visible"] as? Bool == g["visible"] as? Bool, "\(label): G visible=\(g["visible"] ?? ""), read \(read)"
        )
        if read["visible"] as? Bool == true { #expect(read["value"] as? String == g["value"] as? String, "\(label)") }
        #expect(probe.status == (entry["result"] as? String == "agree" ? 0 : 1))
        print(
            "ground truth [qemu args] \(label): G \(g["value"] ?? "") visible=\(g["visible"] ?? ""); probe read \(read["value"] ?? "") visible=\(read["visible"] ?? "")"
        )
    }

    @Test(
        "TCG command lines: G equals what the probe read",
        arguments: [
            "-accel tcg -cpu qemu64",
            "-accel tcg -cpu Cascadelake-Server,+arch-capabilities,+mds-no,+taa-no",
            "-machine pc,accel=tcg -cpu max",
            "-machine q35 -cpu Skylake-Client-v4",
        ])
    func tcg(_ options: String) async throws {
        try await expectGroundTruth(
            try args("/usr/bin/qemu-system-x86_64 -name guest=gcprobe14 \(options) -m 64"), options)
    }

    @Test("a KVM command line without the MSR: G equals what the probe read")
    func kvm() async throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/kvm") else {
            try Test.cancel("/dev/kvm is missing or not writable by this user")
        }
        try await expectGroundTruth(
            try args("/usr/bin/qemu-system-x86_64 -enable-kvm -cpu qemu64 -m 64"), "-enable-kvm -cpu qemu64")
    }

    @Test("QEMU refusing the CPU: exit 2 and QEMU's own message")
    func refusal() async throws {
        let enforce = try await ProbeSupport.probe([
            try args("/usr/bin/qemu-system-x86_64 -accel tcg -cpu Cascadelake-Server,+arch-capabilities,enforce")
        ])
        #expect(enforce.status == 2)
        let error = try #require(try ProbeSupport.guests(enforce.stdout).first?["error"] as? String)
        #expect(error.contains("QEMU refused") && error.contains("arch-capabilities"), "\(error)")

        let unknown = try await ProbeSupport.probe(
            [try args("/usr/bin/qemu-system-x86_64 -accel tcg -cpu NoSuchModel-v9")], format: "text")
        #expect(unknown.status == 2)
        #expect(unknown.stdout.contains("NOT PROBED") && unknown.stdout.contains("NoSuchModel-v9"), "\(unknown.stdout)")
    }

    @Test("a Firecracker configuration without Firecracker on PATH: exit 2, saying it needs Firecracker")
    func firecrackerMissing() async throws {
        let r = try await CLI.guestcap(
            ["probe", "--kernel", ProbeSupport.kernel, CLI.packageRoot + "/examples/guests/fc-t2s.json"],
            environment: ["PATH": "/usr/bin:/bin"])
        try #require(TestTool.firecracker.path == nil, "firecracker is installed here")
        #expect(r.status == 2)
        #expect(r.stdout.contains("needs Firecracker"), "\(r.stdout)")
    }

    @Test("usage: no path, no kernel, a bad test override")
    func usage() async throws {
        #expect(try await CLI.guestcap(["probe"]).status == 2)
        let noKernel = try await CLI.guestcap([
            "probe", "--kernel", "/nonexistent/k.elf", try args("/usr/bin/qemu-system-x86_64 -cpu qemu64"),
        ])
        #expect(noKernel.status == 2)
        #expect(noKernel.stdout.contains("/nonexistent/k.elf cannot be read"), "\(noKernel.stdout)")
        let bad = try await ProbeSupport.probe(["/dev/null"], environment: ["GUESTCAP_TEST_PRETEND_BITS": "lots"])
        #expect(bad.status == 2 && bad.stderr.contains("is not a hexadecimal value"))
        #expect(!(try await CLI.guestcap(["probe", "--help"]).stdout.contains("ProbeCommand")))
    }
}
