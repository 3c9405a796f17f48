import Glibc
import Logging
import SystemPackage

/// Watches a set of directories with inotify — the directories, not the files, because libvirt
/// replaces files by renaming a new one over them — and turns events into ``WatchBatch``es.
///
/// * A file counts as changed when it is closed after writing, renamed into or out of the
///   directory, deleted, or its mode changes. A file that was created or modified and not yet
///   closed is "being written": it is never reported until its close, so a half-written file is
///   never evaluated.
/// * A directory that does not exist (yet) is waited for: its nearest existing ancestor is
///   watched for the next path component to appear. A watched directory that is deleted or
///   renamed away goes back to waiting; both changes ask for a full rescan of it.
/// * A queue overflow asks for a full rescan of every directory.
///
/// Not thread-safe: one thread owns it (``WatcherService``).
public final class DirectoryWatcher {
    /// The inotify instance.
    public let inotify: Inotify
    /// The configured directories (normalized: absolute, no trailing slash).
    public private(set) var directories: [String]
    private let isCandidate: @Sendable (String) -> Bool
    private let logger: Logger

    private struct Watch {
        let wd: Int32
        let dev: UInt64
        let ino: UInt64
        let mask: InotifyMask
    }

    private var watches: [String: Watch] = [:]
    private var pathsByWatch: [Int32: Set<String>] = [:]
    /// Configured directories currently watched as directories.
    public private(set) var watched: Set<String> = []
    private var writing: Set<String> = []
    private var pending = WatchBatch()

    static let directoryMask: InotifyMask = [
        .create, .closeWrite, .movedTo, .movedFrom, .delete, .attrib, .modify,
        .deleteSelf, .moveSelf, .onlyDirectory, .excludeUnlinked,
    ]
    static let ancestorMask: InotifyMask = [.create, .movedTo, .deleteSelf, .moveSelf, .onlyDirectory]

    /// Opens inotify and watches `directories` (or their nearest existing ancestors).
    /// `isCandidate` decides which file names in a watched directory matter.
    public init(
        directories: [String], isCandidate: @escaping @Sendable (String) -> Bool,
        logger: Logger
    ) throws(Inotify.Failure) {
        self.inotify = try Inotify()
        self.directories = Self.normalize(directories)
        self.isCandidate = isCandidate
        self.logger = logger
        _ = reconcile()
    }

    /// Replaces the configured directories; newly watched ones are queued for a rescan,
    /// dropped ones stop being reported.
    public func setDirectories(_ dirs: [String]) {
        let new = Self.normalize(dirs)
        guard new != directories else { return }
        directories = new
        let (gained, _) = reconcile()
        pending.rescan.formUnion(gained)
        for dir in pending.changed.keys where !new.contains(dir) { pending.changed[dir] = nil }
        pending.rescan = pending.rescan.filter { new.contains($0) }
    }

    /// Reads and handles what the kernel has queued. Returns whether anything is pending.
    @discardableResult
    public func readEvents() throws(Inotify.Failure) -> Bool {
        handle(try inotify.read())
        return !pending.isEmpty
    }

    /// Whether a batch is waiting.
    public var hasPending: Bool { !pending.isEmpty }

    /// The batch collected so far; starts a new one.
    public func takeBatch() -> WatchBatch {
        var batch = pending
        batch.deferred = writing
        pending = WatchBatch()
        return batch
    }

    // MARK: - Events

    /// Applies events to the state and the pending batch.
    public func handle(_ events: [InotifyEvent]) {
        var needReconcile = false
        for event in events {
            if event.mask.contains(.queueOverflow) {
                logger.warning("inotify queue overflowed; rescanning every watched directory")
                pending.overflowed = true
                writing.removeAll()
                needReconcile = true
                continue
            }
            if event.mask.contains(.ignored) {
                for path in pathsByWatch[event.watch] ?? [] where watches[path]?.wd == event.watch {
                    watches[path] = nil
                }
                pathsByWatch[event.watch] = nil
                needReconcile = true
                continue
            }
            for path in pathsByWatch[event.watch] ?? [] {
                if event.name.isEmpty {
                    if !event.mask.isDisjoint(with: [.deleteSelf, .moveSelf, .unmount]) { needReconcile = true }
                    continue
                }
                if event.mask.contains(.isDirectory),
                    !event.mask.isDisjoint(with: [.create, .movedTo, .movedFrom, .delete])
                {
                    // A directory appeared or went: it may be (on the way to) a configured one.
                    needReconcile = true
                }
                if watched.contains(path) { fileEvent(event, in: path) }
            }
        }
        if needReconcile {
            let (gained, lost) = reconcile()
            pending.rescan.formUnion(gained)
            pending.rescan.formUnion(lost)
        }
        if pending.overflowed { pending.rescan.formUnion(watched) }
    }

    private func fileEvent(_ event: InotifyEvent, in dir: String) {
        guard isCandidate(event.name) else { return }
        let full = dir + "/" + event.name
        let m = event.mask
        if m.contains(.closeWrite) || !m.isDisjoint(with: [.movedTo, .movedFrom, .delete]) {
            writing.remove(full)
            pending.changed[dir, default: []].insert(full)
        } else if m.contains(.create) {
            // A new regular file with one link is being written: wait for its close. Anything
            // else (a symlink, a FIFO, a hard link, a directory) will get no close: report now.
            if let st = try? FilePath(full).stat(followTargetSymlink: false), st.type == .regular, st.linkCount == 1 {
                writing.insert(full)
            } else {
                pending.changed[dir, default: []].insert(full)
            }
        } else if m.contains(.modify) {
            writing.insert(full)
        } else if m.contains(.attrib), !writing.contains(full) {
            pending.changed[dir, default: []].insert(full)
        }
    }

    // MARK: - Watches

    /// Makes the watches match the file system: each configured directory that exists is
    /// watched; for each that does not, its nearest existing ancestor is. Repeats until stable,
    /// so a directory created while a watch was being added is not missed.
    /// Returns the configured directories that became watched and those that stopped being.
    func reconcile() -> (gained: Set<String>, lost: Set<String>) {
        var gainedAll: Set<String> = []
        var lostAll: Set<String> = []
        for _ in 0..<16 {
            var desired: [String: InotifyMask] = [:]
            var asDirectory: Set<String> = []
            for dir in directories {
                if Self.isDirectory(dir) {
                    desired[dir, default: []].formUnion(Self.directoryMask)
                    asDirectory.insert(dir)
                } else if let ancestor = Self.nearestExistingAncestor(of: dir) {
                    desired[ancestor, default: []].formUnion(Self.ancestorMask)
                }
            }
            var changed = false
            for (path, w) in watches {
                let id = Self.identity(path)
                if let mask = desired[path], let id, id.dev == w.dev, id.ino == w.ino, mask == w.mask { continue }
                remove(path)
                changed = true
            }
            for (path, mask) in desired where watches[path] == nil {
                guard let id = Self.identity(path) else {
                    changed = true
                    continue
                }
                do {
                    let wd = try inotify.addWatch(path, mask: mask)
                    watches[path] = Watch(wd: wd, dev: id.dev, ino: id.ino, mask: mask)
                    pathsByWatch[wd, default: []].insert(path)
                    changed = true
                } catch {
                    logger.warning("cannot watch directory", metadata: ["path": "\(path)", "error": "\(error)"])
                    if error.errno == .noSpace || error.errno == .permissionDenied { asDirectory.remove(path) }
                }
            }
            // Only what is really watched counts as watched.
            asDirectory = asDirectory.filter { watches[$0] != nil }
            gainedAll.formUnion(asDirectory.subtracting(watched))
            lostAll.formUnion(watched.subtracting(asDirectory))
            if asDirectory != watched { changed = true }
            watched = asDirectory
            if !changed { break }
        }
        for dir in lostAll where !watched.contains(dir) {
            logger.info("watched directory is gone; waiting for it", metadata: ["path": "\(dir)"])
            writing = writing.filter { !$0.hasPrefix(dir + "/") }
        }
        return (gainedAll, lostAll)
    }

    private func remove(_ path: String) {
        guard let w = watches.removeValue(forKey: path) else { return }
        pathsByWatch[w.wd]?.remove(path)
        if pathsByWatch[w.wd]?.isEmpty ?? true {
            pathsByWatch[w.wd] = nil
            inotify.removeWatch(w.wd)
        }
    }

    // MARK: - File system helpers

    static func normalize(_ dirs: [String]) -> [String] {
        var out: [String] = []
        var cwd = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let base =
            getcwd(&cwd, cwd.count) != nil
            ? String(decoding: cwd.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/"
        for d in dirs {
            var p = d.hasPrefix("/") ? d : (base == "/" ? "/" : base + "/") + d
            while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
            if !out.contains(p) { out.append(p) }
        }
        return out
    }

    static func isDirectory(_ path: String) -> Bool {
        (try? FilePath(path).stat())?.type == .directory
    }

    static func identity(_ path: String) -> (dev: UInt64, ino: UInt64)? {
        guard let st = try? FilePath(path).stat(), st.type == .directory else { return nil }
        return (UInt64(st.deviceID.rawValue), UInt64(st.inode.rawValue))
    }

    static func nearestExistingAncestor(of path: String) -> String? {
        var p = path
        while true {
            guard let slash = p.lastIndex(of: "/") else { return nil }
            p = slash == p.startIndex ? "/" : String(p[..<slash])
            if isDirectory(p) { return p }
            if p == "/" { return nil }
        }
    }
}

extension DirectoryWatcher {
    /// Whether anything exists at a path (without following a final symlink).
    static func exists(_ path: String) -> Bool {
        (try? FilePath(path).stat(followTargetSymlink: false)) != nil
    }
}
