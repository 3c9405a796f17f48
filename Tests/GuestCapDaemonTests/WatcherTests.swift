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
        let dir = Shell.tempDir()
        let other = Shell.tempDir()
        Self.put(dir + "/a.xml")
        Self.put(other + "/b.json")
        let w = try Self.watcher([dir])
        #expect(rename(dir + "/a.xml", other + "/a.xml") == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/a.xml"]])
        #expect(rename(other + "/b.json", dir + "/b.json") == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/b.json"]])
        #expect(unlink(dir + "/b.json") == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/b.json"]])
    }

    @Test func ignoredNamesAreNotReported() throws {
        let dir = Shell.tempDir()
        let w = try Self.watcher([dir])
        for name in [".hidden.xml", "a.xml.new", "a.xml~", "notes.txt", "b.tmp"] { Self.put(dir + "/" + name) }
        let b = try Self.batch(w)
        #expect(b.isEmpty)
    }

    @Test func modeChangeSymlinkAndHardLinkAreChanges() throws {
        let dir = Shell.tempDir()
        let other = Shell.tempDir()
        Self.put(dir + "/a.xml")
        Self.put(other + "/target.xml")
        let w = try Self.watcher([dir])
        #expect(chmod(dir + "/a.xml", 0o000) == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/a.xml"]])
        #expect(symlink(other + "/target.xml", dir + "/s.xml") == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/s.xml"]])
        #expect(link(other + "/target.xml", dir + "/h.xml") == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/h.xml"]])
        #expect(mkfifo(dir + "/f.xml", 0o644) == 0)
        #expect(try Self.batch(w).changed == [dir: [dir + "/f.xml"]])
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
        #expect(mkdir(dir, 0o755) == 0)
        let b = try Self.batch(w)
        #expect(b.rescan == [dir], "a directory that appears is scanned in full")
        #expect(w.watched == [dir])
        Self.put(dir + "/g.xml")
        #expect(try Self.batch(w).changed == [dir: [dir + "/g.xml"]])
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
        var b = try Self.batch(w)
        #expect(b.rescan == [dir], "a deleted directory is rescanned (its guests are gone)")
        #expect(w.watched.isEmpty)
        #expect(mkdir(dir, 0o755) == 0)
        b = try Self.batch(w)
        #expect(b.rescan == [dir])
        #expect(w.watched == [dir])
        Self.put(dir + "/b.xml")
        #expect(try Self.batch(w).changed == [dir: [dir + "/b.xml"]])
    }

    @Test func directoryRenamedAwayAndAnotherPutInItsPlace() throws {
        let base = Shell.tempDir()
        let dir = base + "/qemu"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let w = try Self.watcher([dir])
        #expect(rename(dir, base + "/qemu.old") == 0)
        var b = try Self.batch(w)
        #expect(b.rescan == [dir])
        #expect(w.watched.isEmpty)
        // Events in the renamed-away directory are no longer ours.
        Self.put(base + "/qemu.old/x.xml")
        #expect(try Self.batch(w).changed.isEmpty)
        try FileManager.default.createDirectory(atPath: base + "/qemu.new", withIntermediateDirectories: true)
        Self.put(base + "/qemu.new/y.xml")
        #expect(rename(base + "/qemu.new", dir) == 0)
        b = try Self.batch(w)
        #expect(b.rescan == [dir])
        #expect(w.watched == [dir])
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
