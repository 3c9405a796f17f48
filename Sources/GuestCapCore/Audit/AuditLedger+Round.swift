import Foundation

extension AuditLedger {
    /// One round's inputs, all read before the round: nothing here touches a file.
    public struct Round: Sendable {
        /// One file read again.
        public struct File: Sendable {
            public var dir: String
            public var path: String
            /// nil: gone, a folder, or not a guest.
            public var input: GuestInput?

            /// A file's new input.
            public init(dir: String, path: String, input: GuestInput?) {
                self.dir = dir
                self.path = path
                self.input = input
            }
        }

        /// When the round runs (first-seen time of new guests).
        public var now: Date
        /// The policy in force at `now`.
        public var engine: PolicyEngine
        /// The current host.
        public var host: HostAssessment
        /// New watched directories → kinds, after a reload (nil: unchanged).
        public var kinds: [String: GuestSource]?
        /// Directories read in full, each with every guest in it (a missing one: empty).
        public var rescanned: [(dir: String, inputs: [GuestInput])] = []
        /// Files read again, in directories not read in full.
        public var changed: [File] = []
        /// Files being written: a rescan keeps their previous entry.
        public var deferred: Set<String> = []
        /// Running QEMU processes, when the process scan ran.
        public var processes: [GuestInput]?
        /// Evaluate every guest and diff against `inForce` (start, host or policy change, the
        /// store catching up); otherwise only what changed.
        public var all = false
        /// The findings in force before the round, by finding id (read only when `all`).
        public var inForce: [String: FindingRecord] = [:]

        /// A round at `now` that reads nothing yet.
        public init(now: Date, engine: PolicyEngine, host: HostAssessment) {
            self.now = now
            self.engine = engine
            self.host = host
        }
    }

    /// What a round changed.
    public struct RoundResult: Sendable {
        /// Verdicts of the guests evaluated, for the store.
        public var verdicts: [GuestVerdict]
        /// Identities that no guest has any more.
        public var gone: [GuestIdentity]
        /// Changes to the findings in force, for the store and the journal.
        public var transitions: [TransitionDraft]
        /// Every finding in force after a round with `all`; nil otherwise (apply `transitions`).
        public var current: [FindingRecord]?
    }
}
