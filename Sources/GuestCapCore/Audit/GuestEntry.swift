import Foundation

/// One guest the ledger knows: its latest input, last good configuration and findings.
struct GuestEntry: Sendable {
    var source: GuestSource
    let path: String
    let firstSeen: Date
    var input: GuestInput
    /// The last configuration that could be read: its findings stay while the file is unreadable.
    var lastGood: GuestConfig?
    /// Findings from before a restart, for a file unreadable since then.
    var carried: [FindingRecord] = []
    var identity: GuestIdentity?
    var records: [FindingRecord] = []
    var dirty = true

    init(source: GuestSource, path: String, firstSeen: Date) {
        self.source = source
        self.path = path
        self.firstSeen = firstSeen
        self.input = .unreadable(path: path, source: .libvirt, error: "not read yet")
    }

    /// What identifies it: the last good configuration while the file is unreadable.
    var identityInput: GuestInput {
        switch input {
        case .config: return input
        case .unreadable(_, let source, let error):
            if let good = lastGood { return .config(good) }
            if let uuid = carried.first?.guestUUID {
                // Unreadable since before a restart: keep the UUID identity its findings have.
                return .config(
                    GuestConfig(
                        source: source, path: path, name: carried.first?.guestName, uuid: uuid,
                        cpu: GuestCPUConfig(base: .qemuDefault, baseOrigin: ConfigOrigin("unreadable"))))
            }
            return .unreadable(path: path, source: source, error: error)
        }
    }

    /// The guest's status now, in the order of ``GuestStatus``: an open violation (also one kept
    /// from the last good configuration of an unreadable file) comes before unreadable.
    var status: GuestStatus {
        if records.contains(where: { $0.state == .open && $0.severity.isViolation }) { return .violating }
        if case .unreadable = input { return .unreadable }
        if records.contains(where: { $0.state == .waived && $0.severity.isViolation }) { return .waived }
        return .compliant
    }
}
