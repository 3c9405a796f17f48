/// Hosts a group of guests may be migrated to, each as a saved host snapshot.
public struct MigrationPool: Sendable {
    /// One host of the pool.
    public struct Member: Sendable {
        /// The member's name (its hostname, or the file name when two share one).
        public let name: String
        /// The file the snapshot came from.
        public let path: String
        /// The saved facts.
        public let snapshot: HostSnapshot

        /// Creates a member.
        public init(name: String, path: String, snapshot: HostSnapshot) {
            self.name = name
            self.path = path
            self.snapshot = snapshot
        }
    }

    public let name: String
    public let members: [Member]
    public let guests: GuestSelector

    /// Creates a pool.
    public init(name: String, members: [Member], guests: GuestSelector) {
        self.name = name
        self.members = members
        self.guests = guests
    }
}
