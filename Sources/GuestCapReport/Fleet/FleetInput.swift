import Foundation
import GuestCapCore

/// The parts of a `guestcap.report/v1` export the fleet report reads; everything else in the
/// file (provenance, messages, per-CPU readings, snapshots) is skipped by ``FleetDecoder``.
struct FleetInput: Equatable {
    struct Host: Equatable {
        struct MSR: Equatable {
            var status: MSRStatus
            var value: String
        }
        var hostname: String
        var machineID: String?
        var archCapabilities: MSR
        var justified: String
    }
    struct Advertised: Equatable {
        var value: String
        var visible: Bool
    }
    struct Finding: Equatable {
        var rule: String
        var severity: Severity
        var state: FindingState
        /// Bits and pool are only read for `migration-unsafe`, the one rule the fleet report
        /// needs them for: a million guests' bit lists are most of the decoding otherwise.
        var bits: [String] = []
        var pool: String?
        var poolHost: String?
        /// `outgoing` or `incoming`; nil in exports from before directions (those were outgoing).
        var direction: MigrationDirection?
    }
    struct Guest: Equatable {
        var name: String?
        var uuid: String?
        var path: String
        var status: GuestStatus
        var archCapabilities: Advertised?
        var findings: [Finding]
    }

    var format: String
    var generatedAt: Date
    var period: ReportDocument.Period?
    var host: Host
    var guests: [Guest]
    var hostFindings: [Finding]?
    var summary: ReportDocument.Summary
}
