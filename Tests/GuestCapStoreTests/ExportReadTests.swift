import Foundation
import GuestCapCore
import Testing
@testable import GuestCapStore

/// The export's reads of a busy history, checked against the timeline (`history`), which
/// reads the same transitions another way: the episodes of a period, their transitions in it,
/// the one before it, each guest's worst status and its last configuration.
@Suite("Export reads of a busy history")
struct ExportReadTests {
    /// One episode of a finding as the timeline tells it.
    struct Episode {
        var finding: FindingRecord
        var events: [HistoryEvent] = []
        var opened: Date { events[0].at }
        var resolved: Date? { events.last { $0.kind == .resolved }?.at }
    }

    static let rules: [Rule] = [.unjustifiedImmunity, .hiddenDisclosure, .missedImmunity, .unsupportedControl]

    /// 100 guests audited hourly for 40 hours; each rule's finding comes, goes, is waived and
    /// un-waived at random (seeded), sometimes a configuration is unreadable or edited.
    static func writeHistory(_ store: HistoryStore) throws {
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        var seed: UInt64 = 0x5eed
        func random(_ n: UInt64) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % n)
        }
        var guests = (0..<100).map { Fixture.GuestSpec(name: "vm-\($0)", uuid: nil) }
        var states = Array(repeating: Array(repeating: FindingState?.none, count: rules.count), count: guests.count)
        for hour in 1...40 {
            for i in guests.indices {
                for r in rules.indices where random(5) < 4 {
                    states[i][r] = [nil, .open, .waived][random(3)]
                }
                guests[i].findings = rules.indices.compactMap { r in
                    states[i][r].map { (rules[r], Fixture.bits("mds-no"), $0) }
                }
                guests[i].unreadable = random(12) == 0 ? "permission denied" : nil
                if random(6) == 0 {
                    guests[i].g = random(2) == 0 ? Fixture.bits("mds-no") : Fixture.bits("mds-no", "taa-no")
                }
            }
            try Fixture.audit(store, guests, host: host, at: Fixture.at(hours: Double(hour)))
        }
    }

    /// Episodes from the timeline: a finding's events until it resolves, then a new episode.
    static func episodes(_ store: HistoryStore) throws -> [Episode] {
        var out: [Episode] = []
        var current: [String: Int] = [:]
        for e in try store.history(HistoryFilter(includeHostChanges: false)) {
            let f = try #require(e.finding)
            let index: Int
            if let known = current[f.findingID] {
                index = known
            } else {
                index = out.count
                out.append(Episode(finding: f))
            }
            out[index].events.append(e)
            current[f.findingID] = e.kind == .resolved ? nil : index
        }
        return out
    }

    /// The states an episode was in at some moment of [from, to), resolved left out.
    static func states(_ e: Episode, from: Date, to: Date) -> Set<FindingState> {
        var out = Set<FindingState>()
        for (i, event) in e.events.enumerated() {
            let end = i + 1 < e.events.count ? e.events[i + 1].at : .distantFuture
            guard event.at < to, end > from, let state = event.finding?.state, state != .resolved else { continue }
            out.insert(state)
        }
        return out
    }

    @Test("findingLifecycles and guestsSeen agree with the timeline, over more than 2,000 episodes")
    func busyHistory() throws {
        let dir = TempDir()
        let store = try HistoryStore(path: dir.database)
        try Self.writeHistory(store)
        let episodes = try Self.episodes(store)
        #expect(episodes.count > 2000, "enough episodes for the one-pass read of the transitions")
        let current = Dictionary(uniqueKeysWithValues: try store.knownGuests().map { ($0.name ?? "", $0) })

        // Whole history, periods starting on an audit, between audits, and after the last one.
        for (a, b) in [(0.0, 100.0), (10.5, 20.0), (20.0, 20.5), (3.0, 4.0), (0.5, 30.0), (39.0, 50.0)] {
            let from = Fixture.at(hours: a)
            let to = Fixture.at(hours: b)
            let label = "[\(a), \(b))"

            // Lifecycles: which episodes, their transitions in the period (ids and states), the one before.
            let alive = episodes.filter { $0.opened < to && ($0.resolved.map { $0 >= from } ?? true) }
            let lives = try store.findingLifecycles(from: from, to: to)
            #expect(lives.count == alive.count, "\(label): episodes")
            // The export's lighter read: the same episodes, transitions and states.
            let light = try store.findingEpisodes(from: from, to: to)
            #expect(light.map(\.record) == lives.map(\.record), "\(label): episode records")
            #expect(light.map(\.openedAt) == lives.map(\.openedAt), "\(label): episode openings")
            #expect(
                light.map { $0.transitions.map { "\($0.kind) \($0.at)" } }
                    == lives.map { $0.transitions.map { "\($0.kind) \($0.at)" } }, "\(label): episode transitions")
            #expect(
                light.map { $0.before.map { "\($0.kind) \($0.at)" } }
                    == lives.map { $0.before.map { "\($0.kind) \($0.at)" } }, "\(label): episode before")
            let expected = Dictionary(
                uniqueKeysWithValues: alive.map { e in
                    ("\(e.finding.findingID) \(e.opened.timeIntervalSince1970)", e)
                })
            for life in lives {
                let key = "\(life.record.findingID) \(life.openedAt.timeIntervalSince1970)"
                let e = try #require(expected[key], "\(label): \(key)")
                let inside = e.events.filter { $0.at >= from && $0.at < to }
                #expect(life.transitions.map(\.id) == inside.map(\.id), "\(label): \(key) transitions")
                #expect(
                    life.transitions.map { Optional($0.finding.state) } == inside.map { $0.finding?.state },
                    "\(label): \(key) states")
                #expect(life.before?.id == e.events.last { $0.at < from }?.id, "\(label): \(key) before")
                #expect(life.record.state == e.events.last?.finding?.state, "\(label): \(key) state now")
                #expect(life.resolvedAt == e.resolved, "\(label): \(key) resolved")
            }

            // Worst status during the period, from the violations and unreadable configurations.
            var worst: [String: GuestStatus] = [:]
            for e in episodes where e.finding.severity.isViolation || e.finding.rule == .configUnreadable {
                let states = Self.states(e, from: from, to: to)
                let status: GuestStatus? =
                    e.finding.rule == .configUnreadable
                    ? (states.isEmpty ? nil : .unreadable)
                    : states.contains(.open) ? .violating : states.contains(.waived) ? .waived : nil
                if let status, let name = e.finding.guestName { worst[name] = min(worst[name] ?? .compliant, status) }
            }
            let seen = try store.guestsSeen(from: from, to: to)
            #expect(seen.count == 100, "\(label): guests")
            for g in seen {
                let name = g.name ?? ""
                #expect(g.worstStatus == worst[name] ?? .compliant, "\(label): \(name) worst status")
                if b > 40 {
                    #expect(g.configVersions.last == current[name]?.configVersions.last, "\(label): \(name) version")
                }
            }
        }
    }
}
