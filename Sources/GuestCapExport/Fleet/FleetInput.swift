import Foundation
import GuestCapCore

/// The parts of a `guestcap.report/v1` export the fleet report reads; everything else in the
/// file (provenance, messages, per-CPU readings, snapshots) is skipped by the decoder.
struct FleetInput: Decodable {
    struct Host: Decodable {
        struct MSR: Decodable {
            let status: MSRStatus
            let value: String
        }
        struct Value: Decodable {
            let value: String
        }
        struct CPU: Decodable {
            let modelName: String?
            let microcode: String?
            enum CodingKeys: String, CodingKey { case modelName = "model_name", microcode }
        }
        let hostname: String
        let machineID: String?
        let cpu: CPU?
        let archCapabilities: MSR
        let justified: Value
        enum CodingKeys: String, CodingKey {
            case hostname, machineID = "machine_id", cpu, archCapabilities = "arch_capabilities", justified
        }
    }
    struct Advertised: Decodable {
        let value: String
        let visible: Bool
    }
    struct Finding: Decodable {
        let rule: String
        let severity: Severity
        let bits: [String]
        let state: FindingState
        let pool: String?
        let poolHost: String?
        enum CodingKeys: String, CodingKey { case rule, severity, bits, state, pool, poolHost = "pool_host" }

        /// Bits and pool are only read for `migration-unsafe`, the one rule the fleet report
        /// needs them for: a million guests' bit lists are most of the decoding otherwise.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rule = try c.decode(String.self, forKey: .rule)
            severity = try c.decode(Severity.self, forKey: .severity)
            state = try c.decode(FindingState.self, forKey: .state)
            if rule == Rule.migrationUnsafe.rawValue {
                bits = try c.decode([String].self, forKey: .bits)
                pool = try c.decodeIfPresent(String.self, forKey: .pool)
                poolHost = try c.decodeIfPresent(String.self, forKey: .poolHost)
            } else {
                bits = []
                pool = nil
                poolHost = nil
            }
        }
    }
    struct Guest: Decodable {
        let name: String?
        let uuid: String?
        let path: String
        let status: GuestStatus
        let archCapabilities: Advertised?
        let findings: [Finding]
        enum CodingKeys: String, CodingKey { case name, uuid, path, status, archCapabilities = "arch_capabilities", findings }
    }

    let format: String
    let generatedAt: Date
    let period: ReportDocument.Period?
    let host: Host
    let guests: [Guest]
    let hostFindings: [Finding]?
    let summary: ReportDocument.Summary

    enum CodingKeys: String, CodingKey {
        case format, generatedAt = "generated_at", period, host, guests, hostFindings = "host_findings", summary
    }
}
