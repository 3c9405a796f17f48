import Foundation
import GuestCapCore

/// `guestcap fleet --format json`: a `guestcap.fleet/v1` document (docs/export.md describes it).
public struct FleetReport: Codable, Sendable {
    public static let formatName = "guestcap.fleet/v1"

    /// What was read.
    public struct Inputs: Codable, Sendable {
        public var files = 0
        public var hosts = 0
        /// Exports of a host that was already read (several periods of one host): counted again.
        public var repeatedHosts = 0
        public var unreadable: [Unreadable] = []
        /// The journal folder read (`guestcap fleet --journal`); absent when exports were read.
        public var journal: String?
        enum CodingKeys: String, CodingKey {
            case files, hosts
            case repeatedHosts = "repeated_hosts"
            case unreadable, journal
        }

        /// "3 hosts from 3 exports", or "from the journal DIR".
        public var sourceText: String {
            "\(hosts) hosts from " + (journal.map { "the journal \($0)" } ?? "\(files) exports")
        }
    }
    public struct Unreadable: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }
    /// Counts over every export.
    public struct Totals: Codable, Sendable {
        public var guests = 0, compliant = 0, violating = 0, waived = 0, unreadable = 0
        public var hostsWithViolations = 0
        /// Findings by state, then severity.
        public var findings: [String: [String: Int]] = [:]
        enum CodingKeys: String, CodingKey {
            case guests, compliant, violating, waived, unreadable
            case hostsWithViolations = "hosts_with_violations"
            case findings
        }
    }
    /// One host with problems, for the "worst hosts" list.
    public struct HostScore: Codable, Sendable, Equatable {
        public var hostname: String
        public var machineID: String?
        public var file: String
        public var guests: Int
        public var violating: Int
        public var unreadable: Int
        public var openCritical: Int
        public var openError: Int
        public var msr: String
        public var justified: String
        /// What is open now at error or above, worst first: the first ``OpenFinding/limit``.
        public var open: [OpenFinding] = []
        enum CodingKeys: String, CodingKey {
            case hostname
            case machineID = "machine_id"
            case file, guests, violating, unreadable
            case
                openCritical = "open_critical"
            case openError = "open_error"
            case msr, justified, open
        }
        /// Worse first: violating guests, then open critical, open error, unreadable guests, then name.
        static func worse(_ a: HostScore, _ b: HostScore) -> Bool {
            (b.violating, b.openCritical, b.openError, b.unreadable, a.hostname, a.file)
                < (a.violating, a.openCritical, a.openError, a.unreadable, b.hostname, b.file)
        }
    }
    /// A finding open at the end of a host's export (or journal), at severity error or above.
    public struct OpenFinding: Codable, Sendable, Equatable {
        /// How many a host keeps: the worst hosts list says what is open, the host's own report all of it.
        public static let limit = 20
        /// The guest's name (or config path); nil for a host finding.
        public var guest: String?
        public var rule: String
        public var severity: String
        /// Worse first, then by guest and rule.
        static func worse(_ a: OpenFinding, _ b: OpenFinding) -> Bool {
            let sa = Severity(rawValue: a.severity) ?? .info
            let sb = Severity(rawValue: b.severity) ?? .info
            return (sa, a.guest ?? "", a.rule) < (sb, b.guest ?? "", b.rule)
        }
    }
    /// One rule across the fleet.
    public struct RuleTally: Codable, Sendable {
        public var rule: String
        public var severities: [String]
        public var open = 0, waived = 0, resolved = 0
        /// Hosts and guests with at least one open finding of the rule.
        public var hosts = 0, guests = 0
    }
    /// Hosts that share an MSR value and J.
    public struct HostState: Codable, Sendable {
        public var status: String
        public var msr: String
        public var justified: String
        public var hosts: Int
        public var example: String
    }
    /// A guest (by UUID) seen on more than one host, and what it was told on each.
    public struct MigratedGuest: Codable, Sendable {
        public struct Sighting: Codable, Sendable {
            public var host: String
            public var name: String?
            public var value: String?
            public var bits: [String]?
            public var visible: Bool?
            public var status: String
        }
        public var uuid: String
        public var name: String?
        /// Whether the hosts told it different values (or visibility).
        public var toldDifferently: Bool
        public var hosts: [Sighting]
        enum CodingKeys: String, CodingKey {
            case uuid, name
            case toldDifferently = "told_differently"
            case hosts
        }
    }
    /// One pool's migration matrix: which guests could not safely move to which pool hosts.
    public struct PoolMatrix: Codable, Sendable {
        public struct Row: Codable, Sendable {
            public var guest: String
            public var uuid: String?
            /// Where the guest was when the finding was made.
            public var host: String
            /// Pool host → the bits it could not back.
            public var unsafe: [String: [String]]
        }
        public var pool: String
        public var poolHosts: [String]
        /// Pool host → how many guests could not move there.
        public var guestsUnsafeByHost: [String: Int]
        /// How many rows the matrix has (``rows`` may hold only the first of them, for text and HTML).
        public var rowCount: Int
        public var rows: [Row]
        enum CodingKeys: String, CodingKey {
            case pool
            case poolHosts = "pool_hosts"
            case guestsUnsafeByHost = "guests_unsafe_by_host"
            case rowCount = "row_count"
            case rows
        }
    }

    public var format = formatName
    public var generatedAt: Date
    public var period: ReportDocument.Period?
    public var inputs: Inputs
    public var totals: Totals
    public var worstHosts: [HostScore]
    public var findingsByRule: [RuleTally]
    public var hostStates: [HostState]
    public var migratedGuests: [MigratedGuest]
    public var migrationMatrix: [PoolMatrix]

    enum CodingKeys: String, CodingKey {
        case format
        case generatedAt = "generated_at"
        case period, inputs, totals
        case worstHosts = "worst_hosts"
        case
            findingsByRule = "findings_by_rule"
        case hostStates = "host_states"
        case migratedGuests = "migrated_guests"
        case
            migrationMatrix = "migration_matrix"
    }

    /// Whether something at severity error or above is open anywhere (exit status 1).
    public var hasOpenViolation: Bool {
        (totals.findings["open"]?["critical"] ?? 0) + (totals.findings["open"]?["error"] ?? 0) > 0
    }
}
