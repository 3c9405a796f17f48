import GuestCapCore

extension JournalEntry {
    /// The host's CPU security state changed; every guest is re-evaluated.
    public static func hostChanged(_ host: HostAssessment, snapshotID: String, previous: HostAssessment?) -> JournalEntry {
        var what: [String] = []
        if let p = previous {
            if p.hardware != host.hardware { what.append("MSR 0x10a \(p.hardware.hex) -> \(host.hardware.hex)") }
            if p.snapshot.cpu.microcode != host.snapshot.cpu.microcode {
                what.append("microcode \(p.snapshot.cpu.microcode ?? "?") -> \(host.snapshot.cpu.microcode ?? "?")")
            }
            if p.snapshot.kernel != host.snapshot.kernel {
                what.append("kernel \(p.snapshot.kernel ?? "?") -> \(host.snapshot.kernel ?? "?")")
            }
            for file in Set(p.snapshot.vulnerabilities.keys).union(host.snapshot.vulnerabilities.keys).sorted()
            where p.snapshot.vulnerabilities[file] != host.snapshot.vulnerabilities[file] {
                what.append("\(file): '\(p.snapshot.vulnerabilities[file] ?? "-")' -> '\(host.snapshot.vulnerabilities[file] ?? "-")'")
            }
            if p.msrStatus != host.msrStatus { what.append("MSR status \(p.msrStatus) -> \(host.msrStatus)") }
            if what.isEmpty { what.append("host facts changed") }
        }
        let justified = p(previous?.justified, host.justified)
        var e = JournalEntry(message: "host \(host.snapshot.hostname) changed: " + (what.isEmpty ? "first snapshot" : what.joined(separator: "; "))
                             + "; J is now \(host.justified.hex)\(justified); every guest is re-evaluated",
                             priority: 5, messageID: .hostChanged)
        e.append("GUESTCAP_EVENT", "host-changed")
        e.append("GUESTCAP_HOST_SNAPSHOT", snapshotID)
        e.append("GUESTCAP_HOST_VALUE", host.hardware.hex)
        e.append("GUESTCAP_JUSTIFIED_VALUE", host.justified.hex)
        e.append("GUESTCAP_MICROCODE", host.snapshot.cpu.microcode)
        e.append("GUESTCAP_KERNEL", host.snapshot.kernel)
        if let previous { e.append("GUESTCAP_PREVIOUS_JUSTIFIED_VALUE", previous.justified.hex) }
        return e
    }

    private static func p(_ old: CapabilitySet?, _ new: CapabilitySet) -> String {
        guard let old, old != new else { return "" }
        var parts: [String] = []
        let lost = old.subtracting(new), gained = new.subtracting(old)
        if !lost.isEmpty { parts.append("lost " + lost.names.joined(separator: ", ")) }
        if !gained.isEmpty { parts.append("gained " + gained.names.joined(separator: ", ")) }
        return " (" + parts.joined(separator: "; ") + ")"
    }

    /// The daemon finished its first audit.
    public static func daemonStarted(guests: Int, violating: Int, version: String) -> JournalEntry {
        var e = JournalEntry(message: "guestcap \(version) started: \(guests) guests, \(violating) violating",
                             priority: 6, messageID: .daemonStarted)
        e.append("GUESTCAP_EVENT", "daemon-started")
        e.append("GUESTCAP_GUESTS", String(guests))
        e.append("GUESTCAP_VIOLATING", String(violating))
        return e
    }

    /// The daemon is shutting down.
    public static func daemonStopping(guests: Int, violating: Int) -> JournalEntry {
        var e = JournalEntry(message: "guestcap stopping: \(guests) guests, \(violating) violating",
                             priority: 6, messageID: .daemonStopping)
        e.append("GUESTCAP_EVENT", "daemon-stopping")
        e.append("GUESTCAP_GUESTS", String(guests))
        e.append("GUESTCAP_VIOLATING", String(violating))
        return e
    }

    /// A reloaded configuration or policy was invalid; the previous one stays.
    public static func policyRejected(file: String, error: String) -> JournalEntry {
        var e = JournalEntry(message: "\(file) rejected, the previous configuration stays in force: \(error)",
                             priority: 3, messageID: .policyRejected)
        e.append("GUESTCAP_EVENT", "policy-rejected")
        e.append("GUESTCAP_CONFIG_PATH", file)
        e.append("GUESTCAP_ERROR", error)
        return e
    }

    /// The history database cannot be written.
    public static func storeDegraded(path: String, error: String) -> JournalEntry {
        var e = JournalEntry(message: "history database \(path) cannot be written, auditing continues: \(error)",
                             priority: 4, messageID: .storeDegraded)
        e.append("GUESTCAP_EVENT", "store-degraded")
        e.append("GUESTCAP_CONFIG_PATH", path)
        e.append("GUESTCAP_ERROR", error)
        return e
    }
}
