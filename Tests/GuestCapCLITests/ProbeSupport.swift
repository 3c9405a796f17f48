import Foundation

/// What the probe tests share: the probe kernel built once from the repository's source, and
/// `guestcap probe` run with it.
enum ProbeSupport {
    static let domainScript = CLI.packageRoot + "/scripts/libvirt-domain.sh"

    /// The probe kernel, assembled by scripts/build-probe.sh into a fresh folder.
    static let kernel: String = {
        let out = CLI.tempDir("guestcap-test-kernel") + "/guestcap-probe.elf"
        let r = try? CLI.run(CLI.packageRoot + "/scripts/build-probe.sh", [out])
        precondition(r?.status == 0, "scripts/build-probe.sh failed: \(r?.stderr ?? "did not run")")
        return out
    }()

    /// `guestcap probe --kernel … --format FORMAT PATHS`.
    static func probe(
        _ paths: [String], format: String = "json", environment: [String: String] = [:]
    ) async throws -> CLI.Result {
        try await CLI.guestcap(["probe", "--kernel", kernel, "--format", format] + paths, environment: environment)
    }

    /// The `guests` array of a probe or check JSON document.
    static func guests(_ json: String) throws -> [[String: Any]] {
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return doc?["guests"] as? [[String: Any]] ?? []
    }
}
