import Foundation
import Testing
@testable import GuestCapCore

/// The auditor's state without a host root, a store or a journal: rounds in, transitions out.
@Suite("AuditLedger: identities, rounds and counts")
struct AuditLedgerTests {
    static let dir = "/run/libvirt/qemu"
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let u = "aaaaaaaa-0000-0000-0000-000000000001"
    static let v = "aaaaaaaa-0000-0000-0000-000000000002"
    static let w = "aaaaaaaa-0000-0000-0000-000000000003"

    /// A live libvirt guest: forcing mds-no on Skylake (unjustified-immunity, critical), or
    /// host-passthrough (no violation).
    static func config(_ name: String, uuid: String?, violating: Bool = true) -> GuestConfig {
        violating
            ? guest(
                .model(name: "Skylake-Server"),
                [
                    (.set(bits("mds-no")), "<feature policy='force' name='mds-no'/>"),
                    (.visible(true), "<feature policy='require' name='arch-capabilities'/>"),
                ], name: name, uuid: uuid)
            : guest(.kvmDefault(label: "host-passthrough"), name: name, uuid: uuid)
    }

    static func path(_ name: String) -> String { "\(dir)/\(name).xml" }
    static func byPath(_ name: String) -> GuestIdentity { GuestIdentity(source: .libvirtLive, path: path(name)) }
    static func byUUID(_ uuid: String, _ name: String) -> GuestIdentity {
        GuestIdentity(source: .libvirtLive, uuid: uuid, path: path(name))
    }

    /// A round on Skylake reading the whole folder (`full`), or some files again (nil: removed).
    static func round(
        full: [GuestConfig]? = nil, changed: [(String, GuestConfig?)] = [], all: Bool = false,
        inForce: [FindingRecord] = [], at now: Date = t0
    ) -> AuditLedger.Round {
        let engine = PolicyEngine(now: now)
        var r = AuditLedger.Round(now: now, engine: engine, host: engine.assess(skylake))
        if let full { r.rescanned = [(dir, full.map { .config($0) })] }
        r.changed = changed.map { name, c in .init(dir: dir, path: path(name), input: c.map { .config($0) }) }
        r.all = all
        r.inForce = Dictionary(inForce.map { ($0.findingID, $0) }) { first, _ in first }
        return r
    }

    static func apply(_ r: AuditLedger.Round, to ledger: inout AuditLedger) -> AuditLedger.RoundResult {
        ledger.apply(r) { _, _ in nil }
    }

    /// Subjects of the transitions of one kind.
    static func subjects(_ result: AuditLedger.RoundResult, _ kind: TransitionKind) -> Set<String> {
        Set(result.transitions.filter { $0.kind == kind }.map(\.finding.subject))
    }

    /// Three files, two claiming one UUID, read at start.
    static func started() -> (AuditLedger, AuditLedger.RoundResult) {
        var ledger = AuditLedger(kinds: [dir: .libvirtLive])
        let result = apply(
            round(full: [config("a", uuid: u), config("b", uuid: u), config("c", uuid: v)], all: true),
            to: &ledger)
        return (ledger, result)
    }

    @Test("a UUID claimed by two files identifies neither (policy-model §3); a full round opens everything")
    func sharedUUIDIdentifiesNeither() throws {
        let (ledger, result) = Self.started()
        #expect(Set(result.verdicts.map(\.identity)) == [Self.byPath("a"), Self.byPath("b"), Self.byUUID(Self.v, "c")])
        let current = try #require(result.current)
        #expect(
            Set(current.compactMap { $0.source == nil ? nil : $0.subject })
                == Set([Self.byPath("a"), Self.byPath("b"), Self.byUUID(Self.v, "c")].map(\.description)))
        #expect(result.transitions.count == current.count && result.transitions.allSatisfy { $0.kind == .opened })
        #expect(current.contains { $0.rule == .unjustifiedImmunity && $0.subject == Self.byPath("a").description })
        #expect(result.gone.isEmpty)
        #expect(ledger.guestCount == 3 && ledger.violatingCount == 3)
    }

    @Test("a partial round evaluates the changed file and the files sharing its UUID, nothing else")
    func partialRoundTouchesChangedAndSharers() throws {
        var ledger = Self.started().0
        // b takes its own UUID: a, not re-read, is identified by its UUID again; c is not looked at.
        let apart = Self.apply(Self.round(changed: [("b", Self.config("b", uuid: Self.w))]), to: &ledger)
        #expect(Set(apart.verdicts.map(\.identity)) == [Self.byUUID(Self.u, "a"), Self.byUUID(Self.w, "b")])
        #expect(apart.current == nil)
        #expect(Set(apart.gone) == [Self.byPath("a"), Self.byPath("b")])
        #expect(Self.subjects(apart, .resolved) == [Self.byPath("a").description, Self.byPath("b").description])
        #expect(
            Self.subjects(apart, .opened)
                == [Self.byUUID(Self.u, "a").description, Self.byUUID(Self.w, "b").description])
        // Back to one shared UUID: both by path again.
        let shared = Self.apply(Self.round(changed: [("b", Self.config("b", uuid: Self.u))]), to: &ledger)
        #expect(Set(shared.verdicts.map(\.identity)) == [Self.byPath("a"), Self.byPath("b")])
        #expect(Set(shared.gone) == [Self.byUUID(Self.u, "a"), Self.byUUID(Self.w, "b")])
        #expect(Self.subjects(shared, .opened) == [Self.byPath("a").description, Self.byPath("b").description])
        #expect(ledger.guestCount == 3 && ledger.violatingCount == 3)
    }

    @Test("a guest whose identity changes leaves its old identity gone and its findings resolved")
    func identityChangeLeavesOldIdentity() {
        var ledger = AuditLedger(kinds: [Self.dir: .libvirtLive])
        _ = Self.apply(Self.round(full: [Self.config("a", uuid: Self.u)], all: true), to: &ledger)
        let result = Self.apply(Self.round(changed: [("a", Self.config("a", uuid: Self.v))]), to: &ledger)
        #expect(result.gone == [Self.byUUID(Self.u, "a")])
        #expect(Self.subjects(result, .resolved) == [Self.byUUID(Self.u, "a").description])
        #expect(Self.subjects(result, .opened) == [Self.byUUID(Self.v, "a").description])
        #expect(ledger.guestCount == 1)
    }

    @Test("a removed file resolves its findings; the file that shared its UUID takes the UUID")
    func removedFileResolvesFindings() throws {
        let start = Self.started()
        var ledger = start.0
        let aFindings = start.1.transitions.filter { $0.finding.subject == Self.byPath("a").description }
        try #require(!aFindings.isEmpty)
        let result = Self.apply(Self.round(changed: [("a", nil)]), to: &ledger)
        let resolved = result.transitions.filter {
            $0.kind == .resolved && $0.finding.subject == Self.byPath("a").description
        }
        #expect(Set(resolved.map(\.finding.findingID)) == Set(aFindings.map(\.finding.findingID)))
        #expect(Set(result.gone) == [Self.byPath("a"), Self.byPath("b")])
        #expect(result.verdicts.map(\.identity) == [Self.byUUID(Self.u, "b")])
        #expect(ledger.guestCount == 2 && ledger.violatingCount == 2)
    }

    @Test("a folder read again while one file is being written keeps that file's findings in force")
    func fileBeingWrittenDuringRescanKeepsItsFindings() {
        var ledger = Self.started().0
        // c is being written: the rescan skips it; a and b are read as before.
        var r = Self.round(full: [Self.config("a", uuid: Self.u), Self.config("b", uuid: Self.u)])
        r.deferred = [Self.path("c")]
        let result = Self.apply(r, to: &ledger)
        #expect(result.transitions.isEmpty, "\(result.transitions.map { "\($0.kind) \($0.finding.subject)" })")
        #expect(result.gone.isEmpty)
        #expect(ledger.guestCount == 3 && ledger.violatingCount == 3)
        // Written, then gone: now its findings resolve.
        let removed = Self.apply(Self.round(changed: [("c", nil)]), to: &ledger)
        #expect(Self.subjects(removed, .resolved) == [Self.byUUID(Self.v, "c").description])
    }

    @Test("violating counts follow each guest's open violations")
    func violatingCounts() {
        var ledger = Self.started().0
        let fix = Self.config("c", uuid: Self.v, violating: false)
        let fixed = Self.apply(Self.round(changed: [("c", fix)]), to: &ledger)
        #expect(ledger.guestCount == 3 && ledger.violatingCount == 2)
        #expect(fixed.transitions.contains { $0.kind == .resolved && $0.finding.rule == .unjustifiedImmunity })
        #expect(ledger.statuses.sorted() == [.violating, .violating, .compliant])
        _ = Self.apply(Self.round(changed: [("c", Self.config("c", uuid: Self.v))]), to: &ledger)
        #expect(ledger.violatingCount == 3)
    }

    @Test("a full round diffs every guest against the findings in force: only what changed moves")
    func fullRoundDiffsAgainstInForce() throws {
        let (_, first) = Self.started()
        let inForce = try #require(first.current)
        let stale = try #require(inForce.first { $0.subject == Self.byPath("a").description })
        var gone = stale
        gone.findingID = "gone-guest-finding"
        gone.subject = Self.byPath("z").description
        // A restart: a new ledger, the same files, the findings in force from before plus one of
        // a guest no longer there.
        var ledger = AuditLedger(kinds: [Self.dir: .libvirtLive], restored: inForce + [gone])
        let files = [Self.config("a", uuid: Self.u), Self.config("b", uuid: Self.u), Self.config("c", uuid: Self.v)]
        let result = Self.apply(Self.round(full: files, all: true, inForce: inForce + [gone]), to: &ledger)
        #expect(result.transitions == [TransitionDraft(kind: .resolved, finding: gone)])
        #expect(result.current?.count == inForce.count)
    }

    @Test("a file unreadable since before a restart keeps its UUID identity and findings")
    func unreadableKeepsCarriedFindings() throws {
        let (_, first) = Self.started()
        let inForce = try #require(first.current)
        let cFindings = inForce.filter { $0.subject == Self.byUUID(Self.v, "c").description }
        try #require(!cFindings.isEmpty)
        var ledger = AuditLedger(kinds: [Self.dir: .libvirtLive], restored: inForce)
        let files = [Self.config("a", uuid: Self.u), Self.config("b", uuid: Self.u)]
        var r = Self.round(full: files, all: true, inForce: inForce)
        r.rescanned[0].inputs.append(.unreadable(path: Self.path("c"), source: .libvirtLive, error: "truncated"))
        let result = Self.apply(r, to: &ledger)
        #expect(result.verdicts.contains { $0.identity == Self.byUUID(Self.v, "c") && $0.status == .unreadable })
        #expect(result.transitions.map(\.kind) == [.opened])
        #expect(result.transitions.first?.finding.rule == .configUnreadable)
        #expect(Set(cFindings.map(\.findingID)).isSubset(of: Set(result.current?.map(\.findingID) ?? [])))
        #expect(ledger.statuses.filter { $0 == .violating }.count == 3)
    }

    @Test("guests of a folder no longer watched are gone; a running guest meets the host it started under")
    func reloadAndBootHost() {
        var ledger = AuditLedger(
            kinds: [Self.dir: .libvirtLive],
            firstSeen: [Self.byUUID(Self.v, "c").description: Self.t0 - 3600])
        var seen: [String: Date] = [:]
        let files = [Self.config("c", uuid: Self.v), Self.config("d", uuid: Self.w)]
        _ = ledger.apply(Self.round(full: files, all: true)) {
            seen[$0.name ?? ""] = $1
            return nil
        }
        #expect(seen == ["c": Self.t0 - 3600, "d": Self.t0])
        var r = Self.round(all: true)
        r.kinds = ["/etc/libvirt/qemu": .libvirt]
        let result = Self.apply(r, to: &ledger)
        #expect(Set(result.gone) == [Self.byUUID(Self.v, "c"), Self.byUUID(Self.w, "d")])
        #expect(ledger.guestCount == 0 && ledger.kinds == ["/etc/libvirt/qemu": .libvirt])
    }
}
