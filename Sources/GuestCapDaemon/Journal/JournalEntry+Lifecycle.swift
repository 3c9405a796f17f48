import GuestCapCore

extension JournalEntry {
    /// The host's CPU security state changed (or was seen for the first time); every guest
    /// is re-evaluated. `changeID` is the id the history database keeps for this change. The host's
    /// own name, machine id and MSR status are fields too, so that a central journal (and
    /// `guestcap fleet --journal`) names the host as its exports do, whatever journald's own are.
    public static func hostChanged(
        hostname: String, snapshotID: String, changeID: String, changes: [String],
        hardware: CapabilitySet, justified: CapabilitySet,
        previousJustified: CapabilitySet?, microcode: String?, kernel: String?,
        machineID: String? = nil, msrStatus: String? = nil
    ) -> JournalEntry {
        var delta = ""
        if let old = previousJustified, old != justified {
            var parts: [String] = []
            let lost = old.subtracting(justified)
            let gained = justified.subtracting(old)
            if !lost.isEmpty { parts.append("lost " + lost.names.joined(separator: ", ")) }
            if !gained.isEmpty { parts.append("gained " + gained.names.joined(separator: ", ")) }
            delta = " (" + parts.joined(separator: "; ") + ")"
        }
        let what =
            previousJustified == nil && changes.isEmpty ? "first seen" : "changed: " + changes.joined(separator: "; ")
        var e = JournalEntry(
            message: "host \(hostname) \(what); J is now \(justified.hex)\(delta); every guest is re-evaluated",
            priority: 5, messageID: .hostChanged)
        e.append("GUESTCAP_EVENT", "host-changed")
        e.append("GUESTCAP_HOST_SNAPSHOT", snapshotID)
        e.append("GUESTCAP_HOSTNAME", hostname)
        e.append("GUESTCAP_MACHINE_ID", machineID.flatMap { $0.isEmpty ? nil : $0 })
        e.append("GUESTCAP_MSR_STATUS", msrStatus)
        e.append("GUESTCAP_HOST_VALUE", hardware.hex)
        e.append("GUESTCAP_JUSTIFIED_VALUE", justified.hex)
        e.append("GUESTCAP_PREVIOUS_JUSTIFIED_VALUE", previousJustified?.hex)
        e.append("GUESTCAP_MICROCODE", microcode)
        e.append("GUESTCAP_KERNEL", kernel)
        e.append("GUESTCAP_TRANSITION_ID", changeID)
        return e
    }

    /// The daemon finished its first audit.
    public static func daemonStarted(guests: Int, violating: Int, version: String) -> JournalEntry {
        counted(
            "guestcap \(version) started", event: "daemon-started", id: .daemonStarted,
            guests: guests, violating: violating)
    }

    /// The daemon is shutting down.
    public static func daemonStopping(guests: Int, violating: Int) -> JournalEntry {
        counted(
            "guestcap stopping", event: "daemon-stopping", id: .daemonStopping, guests: guests, violating: violating)
    }

    /// A start or stop entry: the guest counts in the message and in their own fields.
    private static func counted(
        _ what: String, event: String, id: MessageID, guests: Int, violating: Int
    )
        -> JournalEntry
    {
        var e = JournalEntry(message: "\(what): \(guests) guests, \(violating) violating", priority: 6, messageID: id)
        e.append("GUESTCAP_EVENT", event)
        e.append("GUESTCAP_GUESTS", String(guests))
        e.append("GUESTCAP_VIOLATING", String(violating))
        return e
    }

    /// A reloaded configuration or policy was invalid; the previous one stays.
    public static func policyRejected(file: String, error: String) -> JournalEntry {
        fileProblem(
            "\(file) rejected, the previous configuration stays in force: \(error)", priority: 3,
            event: "policy-rejected", id: .policyRejected, path: file, error: error)
    }

    /// The history database cannot be written.
    public static func storeDegraded(path: String, error: String) -> JournalEntry {
        fileProblem(
            "history database \(path) cannot be written, auditing continues: \(error)", priority: 4,
            event: "store-degraded", id: .storeDegraded, path: path, error: error)
    }

    /// An entry about one file that guestcap could not use: the file and the error in their own fields.
    private static func fileProblem(
        _ message: String, priority: Int, event: String, id: MessageID, path: String, error: String
    ) -> JournalEntry {
        var e = JournalEntry(message: message, priority: priority, messageID: id)
        e.append("GUESTCAP_EVENT", event)
        e.append("GUESTCAP_CONFIG_PATH", path)
        e.append("GUESTCAP_ERROR", error)
        return e
    }
}
