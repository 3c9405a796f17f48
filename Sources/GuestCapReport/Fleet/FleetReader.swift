import Dispatch
import Foundation
import GuestCapSources
import SystemPackage
import Synchronization

/// Reads many exports (files, or folders searched recursively for `*.json`) into a
/// ``FleetMerger``, decoding on every core; each worker holds one export at a time.
public struct FleetReader: Sendable {
    /// Decoding threads; default: the number of active processors.
    public var workers: Int
    /// How many worst hosts to keep.
    public var top: Int

    /// Creates a reader.
    public init(workers: Int = ProcessInfo.processInfo.activeProcessorCount, top: Int = 20) {
        self.workers = max(1, workers)
        self.top = top
    }

    /// The export files named by `paths`: files as given, folders searched recursively for
    /// `*.json` (names starting with `.` skipped), sorted.
    /// - Throws: ``ExportError/missingInput(path:)`` for a path that does not exist.
    public static func files(in paths: [String]) throws(ExportError) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            guard let type = try? FilePath(path).stat().type else { throw .missingInput(path: path) }
            guard type == .directory else {
                out.append(path)
                continue
            }
            var found: [String] = []
            let base = URL(fileURLWithPath: path)
            if let e = fm.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey],
                options: [.skipsHiddenFiles])
            {
                for case let url as URL in e where url.pathExtension == "json" {
                    if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                        found.append(url.path)
                    }
                }
            }
            out += found.sorted()
        }
        return out
    }

    /// The largest export read: far above any host's report, so a file beyond it is not one,
    /// and reading it would only exhaust memory.
    public static let maxReportBytes = 1 << 30

    /// Reads and merges every file.
    public func merge(files: [String]) -> FleetMerger {
        let merger = Mutex(FleetMerger(top: top))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(workers, max(files.count, 1))) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < files.count else { return }
                let path = files[i]
                let result: Result<HostContribution, ExportError>
                do throws(ConfigReadError) {
                    // The bytes as read: the scanner takes them without another copy.
                    let data = try ConfigFileReader(maxBytes: Self.maxReportBytes, limitHint: nil).read(path)
                    result = Result { () throws(ExportError) in try FleetMerger.contribution(of: data, path: path) }
                } catch {
                    result = .failure(.unreadableReport(path: path, reason: error.reason))
                }
                merger.withLock { m in
                    switch result {
                    case let .success(c): m.add(c)
                    case let .failure(e): m.noteUnreadable(path: path, reason: e.reason)
                    }
                }
            }
        }
        return merger.withLock { $0 }
    }
}
