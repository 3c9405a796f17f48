import Foundation
import Glibc
import GuestCapCore

/// Keeps a Prometheus node-exporter textfile current: written to a temporary name, made 0644
/// (the unit's UMask=0077 would leave it unreadable to node-exporter) and renamed into place.
public struct TextfileExporter: Sendable {
    /// The `.prom` file.
    public let path: String

    /// An exporter to `path`.
    public init(path: String) { self.path = path }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes the counts.
    func write(guests: Int, violating: Int, openFindings: [Severity: Int]) throws {
        var text = """
            # HELP guestcap_guests Guests guestcap audits.
            # TYPE guestcap_guests gauge
            guestcap_guests \(guests)
            # HELP guestcap_guests_violating Guests with an open finding of severity error or critical.
            # TYPE guestcap_guests_violating gauge
            guestcap_guests_violating \(violating)
            # HELP guestcap_open_findings Open (not waived) findings by severity.
            # TYPE guestcap_open_findings gauge

            """
        for s in Severity.allCases { text += "guestcap_open_findings{severity=\"\(s.rawValue)\"} \(openFindings[s] ?? 0)\n" }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "\(tmp): \(String(decoding: [], as: UTF8.self))errno \(errno)") }
        defer { close(fd) }
        _ = fchmod(fd, 0o644)
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw Failure(description: "\(tmp): short write") }
        guard rename(tmp, path) == 0 else { throw Failure(description: "rename to \(path): errno \(errno)") }
    }
}
