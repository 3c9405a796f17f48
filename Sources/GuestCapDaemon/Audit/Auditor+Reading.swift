import Foundation
import Glibc
import GuestCapCore
import GuestCapSources
import SystemPackage

extension Auditor {
    /// Reads what a round needs into it: whole directories, changed files (not those being
    /// written), the process scan's guests. `kinds` are the directories watched from now on.
    func read(
        _ work: AuditInbox.Work, rescan: Set<String>, kinds: [String: GuestSource],
        into round: inout AuditLedger.Round
    ) {
        for dir in rescan where kinds[dir] != nil && dir != AuditLedger.processKey {
            round.rescanned.append((dir, readDirectory(dir, kind: kinds[dir])))
        }
        round.deferred = work.batch.deferred
        for (dir, paths) in work.batch.changed where kinds[dir] != nil && !rescan.contains(dir) {
            for path in paths where !work.batch.deferred.contains(path) {
                round.changed.append(.init(dir: dir, path: path, input: readFile(path, kind: kinds[dir])))
            }
        }
        if let processes = work.processes, kinds[AuditLedger.processKey] != nil {
            round.processes = processes.compactMap(\.guestInput)
        }
    }

    /// Every guest in a directory (a missing one is empty).
    private func readDirectory(_ dir: String, kind: GuestSource?) -> [GuestInput] {
        guard (try? FilePath(dir).stat())?.type == .directory else { return [] }
        return loader.scan(directory: dir, sourceHint: kind).compactMap(\.guestInput)
    }

    /// One file's guest (nil: gone, a folder, or not a guest).
    private func readFile(_ path: String, kind: GuestSource?) -> GuestInput? {
        guard let st = try? FilePath(path).stat(followTargetSymlink: false), st.type != .directory else { return nil }
        return loader.load(path: path, sourceHint: kind).first?.guestInput
    }

    /// glibc's `malloc_trim(0)` (not in the Glibc module map), looked up once.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (Int) -> Int32).self)
    }()

    static func trimHeap() { _ = mallocTrim?(0) }
}
