import Foundation
import Glibc
import Logging
import Synchronization
import Testing
@testable import GuestCapDaemon

/// Real inotify on real temporary folders.
@Suite struct WatcherTests {
    static let candidate: @Sendable (String) -> Bool = { name in
        if name.hasPrefix(".") || name.hasSuffix("~") { return false }
        let l = name.lowercased()
        if l.hasSuffix(".new") || l.hasSuffix(".tmp") { return false }
        return l.hasSuffix(".xml") || l.hasSuffix(".json") || l.hasSuffix(".args")
    }

    static func watcher(_ dirs: [String]) throws -> DirectoryWatcher {
        try DirectoryWatcher(directories: dirs, isCandidate: candidate, logger: Logger(label: "test"))
    }

    static func put(_ path: String, _ text: String = "<domain/>") {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// Reads what is queued and takes the batch.
    static func batch(_ w: DirectoryWatcher) throws -> WatchBatch {
        try w.readEvents()
        return w.takeBatch()
    }

    /// Reads events until `done` holds for the watcher, waiting on its inotify descriptor for at
    /// most 10 s, then takes the batch. The kernel queues a folder's own deletion (IN_DELETE_SELF,
    /// IN_IGNORED) only when the last reference to its dentry goes, which a lookup elsewhere on a
    /// busy machine can hold past the rmdir's return; the daemon's loop waits the same way.
    static func batch(_ w: DirectoryWatcher, once done: (DirectoryWatcher) -> Bool) throws -> WatchBatch {
        let deadline = ContinuousClock.now + .seconds(10)
        try w.readEvents()
        while !done(w) && ContinuousClock.now < deadline {
            var ready = pollfd(fd: w.inotify.fd.rawValue, events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, 100)
            try w.readEvents()
        }
        return w.takeBatch()
    }

    /// A watched folder holding the file `inside`, and an unwatched one holding `outside`.
    static func watchedFolder(
        holding inside: String, besideOneHolding outside: String
    ) throws -> (dir: String, other: String, watcher: DirectoryWatcher) {
        let dir = Shell.tempDir()
        let other = Shell.tempDir()
        put(dir + "/" + inside)
        put(other + "/" + outside)
        return (dir, other, try watcher([dir]))
    }

    /// `act` (a system call, 0 on success) touches `name` in `dir`: the next batch reports that
    /// file, and only it, as changed.
    static func expectChange(
        of name: String, in dir: String, _ w: DirectoryWatcher, by act: () -> Int32,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(act() == 0, sourceLocation: sourceLocation)
        #expect(try batch(w).changed == [dir: [dir + "/" + name]], sourceLocation: sourceLocation)
    }

    /// `appear` makes `dir` (again): the next batch rescans it in full, it is watched, and a file
    /// then written in it is reported as changed.
    static func expectWatchedOnceMade(
        _ dir: String, by appear: () throws -> Void, _ w: DirectoryWatcher,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try appear()
        #expect(
            try batch(w).rescan == [dir], "a directory that appears is scanned in full", sourceLocation: sourceLocation)
        #expect(w.watched == [dir], sourceLocation: sourceLocation)
        put(dir + "/new.xml")
        #expect(try batch(w).changed == [dir: [dir + "/new.xml"]], sourceLocation: sourceLocation)
    }

    @Test func closeAfterWriteIsAChangeAndAnOpenFileIsDeferred() throws {
        let dir = Shell.tempDir()
        let w = try Self.watcher([dir])
        #expect(w.watched == [dir])
        let path = dir + "/a.xml"
        let fd = open(path, O_CREAT | O_WRONLY, 0o644)
        _ = Glibc.write(fd, "<dom", 4)
        var b = try Self.batch(w)
        #expect(b.changed.isEmpty, "a half-written file is not reported")
        #expect(b.deferred == [path])
        _ = Glibc.write(fd, "ain/>", 5)
        close(fd)
        b = try Self.batch(w)
        #expect(b.changed == [dir: [path]])
        #expect(b.deferred.isEmpty)
    }

    @Test func renameOverAnExistingFileReportsOnlyTheTarget() throws {
        let dir = Shell.tempDir()
        Self.put(dir + "/web.xml")
        let w = try Self.watcher([dir])
        Self.put(dir + "/web.xml.new", "<domain>v2</domain>")
        #expect(rename(dir + "/web.xml.new", dir + "/web.xml") == 0)
        let b = try Self.batch(w)
        #expect(b.changed == [dir: [dir + "/web.xml"]])
        #expect(b.deferred.isEmpty)
    }

    @Test func movedFromMovedToAndDelete() throws {
        let (dir, other, w) = try Self.watchedFolder(holding: "a.xml", besideOneHolding: "b.json")
        try Self.expectChange(of: "a.xml", in: dir, w) { rename(dir + "/a.xml", other + "/a.xml") }
        try Self.expectChange(of: "b.json", in: dir, w) { rename(other + "/b.json", dir + "/b.json") }
        try Self.expectChange(of: "b.json", in: dir, w) { unlink(dir + "/b.json") }
    }

    @Test func ignoredNamesAreNotReported() throws {
        let dir = Shell.tempDir()
        let w = try Self.watcher([dir])
        for name in [".hidden.xml", "a.xml.new", "a.xml~", "notes.txt", "b.tmp"] { Self.put(dir + "/" + name) }
        let b = try Self.batch(w)
        #expect(b.isEmpty)
    }

    @Test func modeChangeSymlinkAndHardLinkAreChanges() throws {
        let (dir, other, w) = try Self.watchedFolder(holding: "a.xml", besideOneHolding: "target.xml")
        try Self.expectChange(of: "a.xml", in: dir, w) { chmod(dir + "/a.xml", 0o000) }
        try Self.expectChange(of: "s.xml", in: dir, w) { symlink(other + "/target.xml", dir + "/s.xml") }
        try Self.expectChange(of: "h.xml", in: dir, w) { link(other + "/target.xml", dir + "/h.xml") }
        try Self.expectChange(of: "f.xml", in: dir, w) { mkfifo(dir + "/f.xml", 0o644) }
    }

    @Test func missingDirectoryIsWaitedForThroughSeveralLevels() throws {
        let base = Shell.tempDir()
        let dir = base + "/run/libvirt/qemu"
        let w = try Self.watcher([dir])
        #expect(w.watched.isEmpty)
        #expect(mkdir(base + "/run", 0o755) == 0)
        #expect(try Self.batch(w).isEmpty)
        #expect(mkdir(base + "/run/libvirt", 0o755) == 0)
        #expect(try Self.batch(w).isEmpty)
        try Self.expectWatchedOnceMade(dir, by: { #expect(mkdir(dir, 0o755) == 0) }, w)
    }

    @Test func directoryCreatedWithParentsAtOnceIsFound() throws {
        let base = Shell.tempDir()
        let dir = base + "/a/b/c"
        let w = try Self.watcher([dir])
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        Self.put(dir + "/early.xml")
        let b = try Self.batch(w)
        #expect(b.rescan == [dir])
        #expect(w.watched == [dir])
    }

    @Test func directoryDeletedAndRecreated() throws {
        let base = Shell.tempDir()
        let dir = base + "/qemu"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        Self.put(dir + "/a.xml")
        let w = try Self.watcher([dir])
        try FileManager.default.removeItem(atPath: dir)
        #expect(
            try Self.batch(w, once: { $0.watched.isEmpty }).rescan == [dir],
            "a deleted directory is rescanned (its guests are gone)")
        #expect(w.watched.isEmpty)
        try Self.expectWatchedOnceMade(dir, by: { #expect(mkdir(dir, 0o755) == 0) }, w)
    }

    @Test func directoryDeletedWhileHeldOpenIsRescannedWhenLetGo() throws {
        let base = Shell.tempDir()
        let dir = base + "/qemu"
        #expect(mkdir(dir, 0o755) == 0)
        let w = try Self.watcher([dir])
        // An open descriptor keeps the dentry: the folder's own deletion is queued at its close.
        let held = open(dir, O_RDONLY | O_DIRECTORY)
        #expect(held >= 0)
        #expect(rmdir(dir) == 0)
        #expect(try Self.batch(w).rescan.isEmpty, "nothing is queued while the folder is held")
        #expect(w.watched == [dir])
        let closer = Thread {
            usleep(200_000)
            close(held)
        }
        closer.start()
        #expect(try Self.batch(w, once: { $0.watched.isEmpty }).rescan == [dir])
        #expect(w.watched.isEmpty)
    }

    @Test func directoryRenamedAwayAndAnotherPutInItsPlace() throws {
        let base = Shell.tempDir()
        let dir = base + "/qemu"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let w = try Self.watcher([dir])
        #expect(rename(dir, base + "/qemu.old") == 0)
        #expect(try Self.batch(w).rescan == [dir])
        #expect(w.watched.isEmpty)
        // Events in the renamed-away directory are no longer ours.
        Self.put(base + "/qemu.old/x.xml")
        #expect(try Self.batch(w).changed.isEmpty)
        try FileManager.default.createDirectory(atPath: base + "/qemu.new", withIntermediateDirectories: true)
        Self.put(base + "/qemu.new/y.xml")
        try Self.expectWatchedOnceMade(dir, by: { #expect(rename(base + "/qemu.new", dir) == 0) }, w)
    }

    @Test func queueOverflowAsksForAFullRescan() throws {
        let dir = Shell.tempDir()
        let w = try Self.watcher([dir])
        let limit =
            Int(
                (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "16384") ?? 16384
        // Each new file queues CREATE and CLOSE_WRITE; nothing reads until the flood is over.
        for i in 0..<(limit / 2 + 64) {
            let fd = open(dir + "/f\(i).xml", O_CREAT | O_WRONLY, 0o644)
            close(fd)
        }
        let b = try Self.batch(w)
        #expect(b.overflowed)
        #expect(b.rescan == [dir])
    }

    @Test func serviceCoalescesBursts() async throws {
        let dir = Shell.tempDir()
        let w = try Self.watcher([dir])
        let batches = Mutex<[WatchBatch]>([])
        let service = WatcherService(
            watcher: w, quiet: .milliseconds(100), maxDelay: .seconds(2),
            logger: Logger(label: "test")
        ) { b in batches.withLock { $0.append(b) } }
        let task = Task { await service.run() }
        try await Task.sleep(for: .milliseconds(50))
        for i in 0..<200 {
            Self.put(dir + "/g\(i % 10).xml", "<domain>\(i)</domain>")
        }
        var waited = 0
        while batches.withLock({ $0.isEmpty }) && waited < 100 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        try await Task.sleep(for: .milliseconds(300))
        let got = batches.withLock { $0 }
        #expect(!got.isEmpty && got.count <= 5, "200 writes coalesced into \(got.count) batches")
        let all = got.reduce(into: Set<String>()) { $0.formUnion($1.changedPaths) }
        #expect(all == Set((0..<10).map { dir + "/g\($0).xml" }))
        task.cancel()
        await task.value
    }

    @Test func serviceTakesNewDirectories() async throws {
        let a = Shell.tempDir()
        let b = Shell.tempDir()
        let w = try Self.watcher([a])
        let batches = Mutex<[WatchBatch]>([])
        let service = WatcherService(watcher: w, quiet: .milliseconds(5), logger: Logger(label: "test")) { batch in
            batches.withLock { $0.append(batch) }
        }
        let task = Task { await service.run() }
        service.setDirectories([b])
        // Waits for what the service reports, not for a fixed time: a loaded machine is slow.
        func merged(until done: (WatchBatch) -> Bool) async throws -> WatchBatch {
            var got = WatchBatch()
            for _ in 0..<1000 {
                got = batches.withLock { $0 }.reduce(into: WatchBatch()) { $0.merge($1) }
                if done(got) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return got
        }
        _ = try await merged { !$0.rescan.isEmpty }
        Self.put(a + "/x.xml")
        Self.put(b + "/y.xml")
        let got = try await merged { $0.changed[b] != nil }
        #expect(got.rescan == [b])
        #expect(got.changed == [b: [b + "/y.xml"]])
        task.cancel()
        await task.value
    }
}
