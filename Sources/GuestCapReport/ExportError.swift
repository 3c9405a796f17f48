#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import GuestCapCore

/// Why an export or a fleet merge could not be done, as a sentence with the file and what to do.
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Writing an output file failed at one step.
    case write(path: String, step: String, errno: Int32)
    /// The folder an output file goes into cannot take it (missing, not a folder, not writable).
    case folder(path: String, errno: Int32)
    /// A `--since`/`--until` value is not a date.
    case badDate(option: String, value: String)
    /// The period ends before it starts.
    case emptyPeriod(from: Date, to: Date)
    /// An input report could not be read or decoded.
    case unreadableReport(path: String, reason: String)
    /// The policy file could not be read or does not validate.
    case policy(path: String, reason: String)
    /// A fleet input path does not exist or is not a file or folder.
    case missingInput(path: String)
    /// The history database could not be opened or read.
    case historyUnavailable(path: String, reason: String)
    /// The history has no host state at all up to the end of the period.
    case noHistory(period: ExportPeriod)

    public var description: String {
        switch self {
        case let .write(path, step, code):
            return "\(path): could not write the file (\(step): \(String(cString: strerror(code))))"
        case let .folder(path, code):
            return code == ENOENT
                ? "the folder \(path) does not exist: create it first, or choose another"
                : "cannot write into the folder \(path): \(String(cString: strerror(code)))"
        case let .badDate(option, value):
            return
                "\(option) '\(value)' is not a date: use RFC 3339 (2026-11-25T06:00:00Z) or a date (2026-11-25, midnight UTC)"
        case let .emptyPeriod(from, to):
            return
                "the period is empty: --since \(ReportCoding.formatDate(from)) is not before --until \(ReportCoding.formatDate(to))"
        case let .unreadableReport(path, reason):
            return "\(path): not a readable guestcap.report/v1 document (\(reason))"
        case let .policy(path, reason):
            return "\(path): cannot use the policy (\(reason))"
        case let .missingInput(path):
            return "\(path): no such file or folder"
        case let .historyUnavailable(path, reason):
            return "\(path): cannot read the history database (\(reason))"
        case let .noHistory(period):
            return
                "the history database has no host snapshot up to \(ReportCoding.formatDate(period.to)): has guestcap.service run an audit yet?"
        }
    }
}
