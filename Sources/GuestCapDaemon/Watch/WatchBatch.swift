/// What changed in the watched directories since the last batch, coalesced.
public struct WatchBatch: Sendable, Equatable {
    /// Watched directory → files in it that were created, written, renamed, deleted or changed
    /// mode (full paths). Only candidate names (see ``DirectoryWatcher``).
    public var changed: [String: Set<String>] = [:]
    /// Watched directories to read in full: just (re)appeared, disappeared, or the event queue
    /// overflowed.
    public var rescan: Set<String> = []
    /// Files being written right now (created or modified, not yet closed): never read them;
    /// keep their previous verdict until their close arrives.
    public var deferred: Set<String> = []
    /// Whether the kernel's event queue overflowed (events were lost).
    public var overflowed = false

    /// An empty batch.
    public init(
        changed: [String: Set<String>] = [:], rescan: Set<String> = [], deferred: Set<String> = [],
        overflowed: Bool = false
    ) {
        self.changed = changed
        self.rescan = rescan
        self.deferred = deferred
        self.overflowed = overflowed
    }

    /// Nothing to do.
    public var isEmpty: Bool { changed.isEmpty && rescan.isEmpty }

    /// All changed paths.
    public var changedPaths: Set<String> { changed.values.reduce(into: Set()) { $0.formUnion($1) } }

    /// Adds a later batch to this one.
    public mutating func merge(_ other: WatchBatch) {
        for (dir, paths) in other.changed { changed[dir, default: []].formUnion(paths) }
        rescan.formUnion(other.rescan)
        deferred = other.deferred  // the later view of what is being written wins
        overflowed = overflowed || other.overflowed
    }
}
