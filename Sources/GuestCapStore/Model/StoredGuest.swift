import Foundation
import GuestCapCore

/// A guest the store knows: identity, last verdict, and the configurations it had.
public struct StoredGuest: Sendable {
    /// Row id (`guest.id`).
    public let id: Int64
    /// Who it is across file changes.
    public let identity: GuestIdentity
    public let source: GuestSource
    public let uuid: String?
    /// The file (or process) its configuration was last read from.
    public let path: String
    public let name: String?
    /// Its status now: from its active findings, or `unreadable` when the last verdict said so.
    public let status: GuestStatus
    /// Why its configuration could not be read, for `unreadable`.
    public let error: String?
    /// When guestcap first saw it (a running guest's start time when its process gives none).
    public let firstSeen: Date
    /// When it went away (nil: present).
    public let goneAt: Date?
    /// Its configuration versions: the current one (``HistoryStore/knownGuests()``) or those in a period.
    public let configVersions: [StoredConfigVersion]
    /// The worst status it had in the period asked about (``HistoryStore/guestsSeen(from:to:)`` only).
    public let worstStatus: GuestStatus?

    /// Name for people: the guest's name, else the file.
    public var displayName: String { name ?? path }
}

/// One distinct configuration of a guest and the time it was in force.
public struct StoredConfigVersion: Sendable, Equatable {
    /// Row id (`config_version.id`), referenced by transitions.
    public let id: Int64
    public let began: Date
    /// nil while in force.
    public let ended: Date?
    public let path: String
    public let name: String?
    /// SHA-256 of the configuration's bytes.
    public let contentHash: String?
    /// G, when the configuration could be evaluated.
    public let advertised: CapabilitySet?
    /// Whether the guest can read the MSR.
    public let visible: Bool?
    /// Bit name → what set it (`<feature policy='force' name='mds-no'/> (line 12)`).
    public let provenance: [String: String]
    /// R, what the configuration asks for (nil when not evaluated, or recorded before R was).
    public let requested: CapabilitySet?
    /// Whether R makes the MSR readable.
    public let requestedVisible: Bool?
    /// R's bit name → the line that asked for it.
    public let requestedProvenance: [String: String]?
    /// Asked for, not passed by the VMM (`R \ G`).
    public let dropped: CapabilitySet?
    /// Which VMM decides what the guest is told.
    public let vmm: GuestVMM?

    /// Creates a version; R, dropped and the VMM default to unknown (rows from before they were recorded).
    public init(
        id: Int64, began: Date, ended: Date?, path: String, name: String?, contentHash: String?,
        advertised: CapabilitySet?, visible: Bool?, provenance: [String: String],
        requested: CapabilitySet? = nil, requestedVisible: Bool? = nil,
        requestedProvenance: [String: String]? = nil, dropped: CapabilitySet? = nil, vmm: GuestVMM? = nil
    ) {
        self.id = id
        self.began = began
        self.ended = ended
        self.path = path
        self.name = name
        self.contentHash = contentHash
        self.advertised = advertised
        self.visible = visible
        self.provenance = provenance
        self.requested = requested
        self.requestedVisible = requestedVisible
        self.requestedProvenance = requestedProvenance
        self.dropped = dropped
        self.vmm = vmm
    }
}
