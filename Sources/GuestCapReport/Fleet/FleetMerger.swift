import Foundation
import GuestCapCore

/// Builds a fleet report from exports added one at a time.
///
/// Memory: a few counters per rule, severity and host state; the `top` worst hosts; one small
/// record per distinct guest UUID (to find guests seen on several hosts), full detail only for
/// those; and the `migration-unsafe` cells. Nothing else of an export is kept once it is added.
public struct FleetMerger: Sendable {
    /// How many of the worst hosts to keep.
    public let top: Int

    private var inputs = FleetReport.Inputs()
    private var totals = FleetReport.Totals()
    private var worst: [FleetReport.HostScore] = []
    private var rules: [String: FleetReport.RuleTally] = [:]
    private var ruleHosts: [String: Int] = [:]
    private var hostIndex: [String: Int32] = [:]
    private var hostNames: [String] = []
    private var states: [StateKey: (count: Int, example: String)] = [:]
    private var firstSight: [UUID: Sighting] = [:]
    private var multi: [UUID: [Sighting]] = [:]
    private var pools: [String: PoolAccumulator] = [:]
    private var poolHostNames: [String] = []
    private var poolHostIndex: [String: UInt16] = [:]
    private var from: Date?
    private var to: Date?

    private struct StateKey: Hashable {
        let status: String, msr: String, justified: String
    }
    private struct Sighting: Sendable {
        let host: Int32
        let value: UInt64?
        let visible: Bool
        let status: GuestStatus
        let name: String?
    }
    /// A guest of a migration matrix: its name, UUID and the host (index into `hostNames`) it was on.
    private struct RowKey: Hashable, Sendable {
        let guest: String, uuid: UUID?, host: Int32
    }
    /// One cell: a pool host (index into `poolHostNames`) and the bits it cannot back.
    private struct Cell: Sendable {
        let poolHost: UInt16
        var bits: UInt64
    }
    private struct PoolAccumulator: Sendable {
        var hosts: Set<UInt16> = []
        var rows: [RowKey: [Cell]] = [:]
    }

    /// Creates an empty merger.
    public init(top: Int = 20) { self.top = top }

    /// Decodes one export and reduces it to what it adds.
    /// - Throws: ``ExportError/unreadableReport(path:reason:)`` when it is not a report.
    static func contribution(of data: some ContiguousBytes, path: String) throws(ExportError) -> HostContribution {
        let decoded = data.withUnsafeBytes { raw in
            Result { () throws(JSONScanner.Failure) in try FleetDecoder.decode(raw.assumingMemoryBound(to: UInt8.self))
            }
        }
        let input: FleetInput
        switch decoded {
        case .success(let i): input = i
        case .failure(let f): throw .unreadableReport(path: path, reason: f.reason)
        }
        guard input.format == ReportDocument.formatName else {
            throw .unreadableReport(path: path, reason: "format is '\(input.format)'")
        }
        return HostContribution(input, path: path)
    }

    /// Adds one export's file content; an unreadable file is recorded, not thrown.
    public mutating func add(data: Data, path: String) {
        do {
            add(try Self.contribution(of: data, path: path))
        } catch {
            noteUnreadable(path: path, reason: error.reason)
        }
    }

    /// Records that the hosts come from the guestcap entries of a journal folder.
    mutating func noteJournal(_ directory: String) { inputs.journal = directory }

    /// Records a file that could not be read.
    public mutating func noteUnreadable(path: String, reason: String) {
        inputs.files += 1
        inputs.unreadable.append(.init(path: path, reason: reason))
    }

    mutating func add(_ c: HostContribution) {
        inputs.files += 1
        let index: Int32
        if let i = hostIndex[c.hostKey] {
            index = i
            inputs.repeatedHosts += 1
        } else {
            index = Int32(hostNames.count)
            hostIndex[c.hostKey] = index
            hostNames.append(c.score.hostname)
            inputs.hosts += 1
        }
        if let p = c.period {
            from = min(from ?? p.from, p.from)
            to = max(to ?? p.to, p.to)
        }

        totals.guests += c.summary.guests
        totals.compliant += c.summary.compliant
        totals.violating += c.summary.violating
        totals.waived += c.summary.waived
        totals.unreadable += c.summary.unreadable
        if c.score.violating > 0 || c.score.openCritical + c.score.openError > 0 { totals.hostsWithViolations += 1 }
        for (state, bySeverity) in c.findings {
            for (sev, n) in bySeverity { totals.findings[state.rawValue, default: [:]][sev.rawValue, default: 0] += n }
        }
        for (rule, r) in c.rules {
            var t = rules[rule] ?? FleetReport.RuleTally(rule: rule, severities: [])
            t.open += r.open
            t.waived += r.waived
            t.resolved += r.resolved
            t.guests += r.guestsWithOpen
            if r.open > 0 { t.hosts += 1 }
            t.severities = Array(Set(t.severities).union(r.severities.map(\.rawValue))).sorted {
                (Severity(rawValue: $0) ?? .info) < (Severity(rawValue: $1) ?? .info)
            }
            rules[rule] = t
        }

        let s = c.score
        if top > 0, s.violating + s.openCritical + s.openError + s.unreadable > 0 {
            if worst.count < top || FleetReport.HostScore.worse(s, worst[worst.count - 1]) {
                let at = worst.firstIndex { FleetReport.HostScore.worse(s, $0) } ?? worst.count
                worst.insert(s, at: at)
                if worst.count > top { worst.removeLast() }
            }
        }
        let key = StateKey(status: c.msrStatus, msr: s.msr, justified: s.justified)
        let prior = states[key]
        states[key] = ((prior?.count ?? 0) + 1, min(prior?.example ?? s.hostname, s.hostname))

        for g in c.sightings {
            let sight = Sighting(host: index, value: g.value, visible: g.visible, status: g.status, name: g.name)
            if let list = multi[g.uuid] {
                if !list.contains(where: { $0.host == index }) { multi[g.uuid]!.append(sight) }
            } else if let first = firstSight[g.uuid] {
                if first.host != index {
                    multi[g.uuid] = [first, sight]
                    firstSight[g.uuid] = nil
                }
            } else {
                firstSight[g.uuid] = sight
            }
        }
        // In place (`default:` subscripts): copying a pool out and back would copy all its rows
        // on every finding, which is quadratic over a fleet.
        for u in c.unsafe {
            let ph: UInt16
            if let i = poolHostIndex[u.poolHost] {
                ph = i
            } else {
                ph = UInt16(truncatingIfNeeded: poolHostNames.count)
                poolHostIndex[u.poolHost] = ph
                poolHostNames.append(u.poolHost)
            }
            pools[u.pool, default: PoolAccumulator()].hosts.insert(ph)
            let key = RowKey(guest: u.guest, uuid: u.uuid, host: index)
            if let i = pools[u.pool]!.rows[key]?.firstIndex(where: { $0.poolHost == ph }) {
                pools[u.pool]!.rows[key]![i].bits |= u.bits
            } else {
                pools[u.pool]!.rows[key, default: []].append(Cell(poolHost: ph, bits: u.bits))
            }
        }
    }

    /// The report of everything added so far; each migration matrix keeps its first `rowLimit`
    /// rows (``writeJSON(generatedAt:to:)`` streams all of them).
    public func report(generatedAt: Date, rowLimit: Int = .max) -> FleetReport {
        let ruleList = rules.values.sorted {
            let a = Rule(rawValue: $0.rule)
            let b = Rule(rawValue: $1.rule)
            switch (a, b) {
            case let (a?, b?): return a < b
            case (nil, nil): return $0.rule < $1.rule
            case (nil, _): return false
            case (_, nil): return true
            }
        }
        let stateList = states.map { k, v in
            FleetReport.HostState(
                status: k.status, msr: k.msr, justified: k.justified, hosts: v.count, example: v.example)
        }.sorted { ($1.hosts, $0.justified, $0.msr) < ($0.hosts, $1.justified, $1.msr) }
        let migrated = multi.map { uuid, list -> FleetReport.MigratedGuest in
            let hosts = list.map { s in
                FleetReport.MigratedGuest.Sighting(
                    host: hostNames[Int(s.host)], name: s.name, value: s.value.map(CapabilitySet.hex),
                    bits: s.value.map { CapabilitySet(rawValue: $0).names }, visible: s.value == nil ? nil : s.visible,
                    status: s.status.rawValue)
            }.sorted { $0.host < $1.host }
            let told = Set(list.map { "\($0.value.map(String.init) ?? "-")/\($0.visible)" })
            return FleetReport.MigratedGuest(
                uuid: uuid.uuidString.lowercased(), name: list.compactMap(\.name).first,
                toldDifferently: told.count > 1, hosts: hosts)
        }.sorted {
            ($1.toldDifferently ? 1 : 0, $0.name ?? "", $0.uuid) < ($0.toldDifferently ? 1 : 0, $1.name ?? "", $1.uuid)
        }
        let matrix = pools.keys.sorted().map { name -> FleetReport.PoolMatrix in
            let acc = pools[name]!
            var byHost: [String: Int] = [:]
            for cells in acc.rows.values {
                for c in cells { byHost[poolHostNames[Int(c.poolHost)], default: 0] += 1 }
            }
            let keys = rowLimit > 0 ? sortedRows(acc) : []
            return .init(
                pool: name, poolHosts: acc.hosts.map { poolHostNames[Int($0)] }.sorted(),
                guestsUnsafeByHost: byHost, rowCount: acc.rows.count,
                rows: keys.prefix(rowLimit).map { row($0, acc.rows[$0]!) })
        }
        var inputs = self.inputs
        inputs.unreadable.sort { $0.path < $1.path }
        return FleetReport(
            generatedAt: generatedAt, period: from.flatMap { f in to.map { .init(from: f, to: $0) } }, inputs: inputs,
            totals: totals, worstHosts: worst, findingsByRule: ruleList, hostStates: stateList,
            migratedGuests: migrated, migrationMatrix: matrix)
    }

    /// A pool's rows in report order: guest, host, UUID (compared field by field, the later ones
    /// only on ties, so that sorting half a million rows stays cheap).
    private func sortedRows(_ acc: PoolAccumulator) -> [RowKey] {
        acc.rows.keys.sorted { a, b in
            if a.guest != b.guest { return a.guest < b.guest }
            if a.host != b.host { return hostNames[Int(a.host)] < hostNames[Int(b.host)] }
            return (a.uuid?.uuidString ?? "") < (b.uuid?.uuidString ?? "")
        }
    }

    private func row(_ key: RowKey, _ cells: [Cell]) -> FleetReport.PoolMatrix.Row {
        var unsafe: [String: [String]] = [:]
        for c in cells { unsafe[poolHostNames[Int(c.poolHost)]] = CapabilitySet(rawValue: c.bits).names }
        return .init(
            guest: key.guest, uuid: key.uuid?.uuidString.lowercased(), host: hostNames[Int(key.host)],
            unsafe: unsafe)
    }

    /// Writes the whole report as JSON in pieces, so that a fleet's migration matrix (hundreds of
    /// thousands of rows) is never one document in memory: the members in key order, one matrix
    /// row or migrated guest per line.
    /// - Parameter sink: receives consecutive chunks of the output.
    public func writeJSON(generatedAt: Date, to sink: (Data) throws -> Void) throws {
        let encoder = ReportCoding.encoder(pretty: false)
        var buffer = Data()
        func raw(_ s: String) throws {
            buffer.append(contentsOf: Array(s.utf8))
            if buffer.count > 1 << 20 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        func emit(_ value: some Encodable) throws {
            buffer.append(try encoder.encode(value))
            if buffer.count > 1 << 20 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        let head = report(generatedAt: generatedAt, rowLimit: 0)
        try raw("{\n\"findings_by_rule\": ")
        try emit(head.findingsByRule)
        try raw(",\n\"format\": ")
        try emit(head.format)
        try raw(",\n\"generated_at\": ")
        try emit(ReportCoding.formatDate(head.generatedAt))
        try raw(",\n\"host_states\": ")
        try emit(head.hostStates)
        try raw(",\n\"inputs\": ")
        try emit(head.inputs)
        try raw(",\n\"migrated_guests\": [")
        for (i, g) in head.migratedGuests.enumerated() {
            try raw(i == 0 ? "\n" : ",\n")
            try emit(g)
        }
        try raw("\n],\n\"migration_matrix\": [")
        for (i, pool) in head.migrationMatrix.enumerated() {
            try raw(i == 0 ? "\n{\"guests_unsafe_by_host\": " : ",\n{\"guests_unsafe_by_host\": ")
            try emit(pool.guestsUnsafeByHost)
            try raw(", \"pool\": ")
            try emit(pool.pool)
            try raw(", \"pool_hosts\": ")
            try emit(pool.poolHosts)
            try raw(", \"row_count\": \(pool.rowCount), \"rows\": [")
            let acc = pools[pool.pool]!
            for (j, key) in sortedRows(acc).enumerated() {
                try raw(j == 0 ? "\n" : ",\n")
                try appendRow(key, acc.rows[key]!, to: &buffer, encoder: encoder)
                if buffer.count > 1 << 20 {
                    try sink(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try raw("\n]}")
        }
        try raw("\n]")
        if let period = head.period {
            try raw(",\n\"period\": ")
            try emit(period)
        }
        try raw(",\n\"totals\": ")
        try emit(head.totals)
        try raw(",\n\"worst_hosts\": ")
        try emit(head.worstHosts)
        try raw("\n}\n")
        try sink(buffer)
    }
}

extension FleetMerger {
    /// Appends a matrix row exactly as `encoder` (sorted keys, slashes not escaped) would write
    /// it, without going through it: half a million rows made the encoder a sixth of the fleet
    /// report's CPU time. A row with several pool hosts (whose order is the encoder's to decide)
    /// and any string that needs escaping still go through the encoder.
    private func appendRow(_ key: RowKey, _ cells: [Cell], to out: inout Data, encoder: JSONEncoder) throws {
        guard cells.count == 1 else {
            out.append(try encoder.encode(row(key, cells)))
            return
        }
        func string(_ s: String) throws {
            var plain = true
            for c in s.utf8 where c < 0x20 || c > 0x7e || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                plain = false
                break
            }
            if plain {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: s.utf8)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(try encoder.encode(s))
            }
        }
        out.append(contentsOf: #"{"guest":"#.utf8)
        try string(key.guest)
        out.append(contentsOf: #","host":"#.utf8)
        try string(hostNames[Int(key.host)])
        out.append(contentsOf: #","unsafe":{"#.utf8)
        try string(poolHostNames[Int(cells[0].poolHost)])
        out.append(contentsOf: ":[".utf8)
        for (i, name) in CapabilitySet(rawValue: cells[0].bits).names.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try string(name)
        }
        out.append(contentsOf: "]}".utf8)
        if let uuid = key.uuid {
            out.append(contentsOf: #","uuid":"#.utf8)
            out.append(UInt8(ascii: "\""))
            HostContribution.appendText(of: uuid, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension ExportError {
    /// The reason part, for a list of unreadable inputs.
    var reason: String {
        switch self {
        case let .unreadableReport(_, reason): reason
        default: description
        }
    }
}
