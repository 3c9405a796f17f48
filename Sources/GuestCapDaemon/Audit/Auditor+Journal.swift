import Foundation
import GuestCapCore
import GuestCapStore
import Logging

extension Auditor {
    /// Commits a round's transitions, then sends them and marks them sent. While the store
    /// cannot be written the journal still gets them, and the store catches up on the first
    /// commit that works.
    func commitAndLog(_ round: AuditLedger.RoundResult, at now: Date) {
        let drafts = round.transitions
        let storeDrafts = storeView.map { AuditDiff.transitions(previous: $0, current: round.current ?? []) } ?? drafts
        let recovering = storeView != nil
        if drafts.isEmpty && storeDrafts.isEmpty && round.verdicts.isEmpty && round.gone.isEmpty
            && !(hostRecorded && needsHostLog)
        {
            return
        }
        var commitGone = round.gone
        if recovering {
            commitGone = Array(goneWhileDegraded.union(round.gone))
        }
        let clockStart = ContinuousClock.now
        do {
            let records = try store.commit(
                AuditCommit(
                    at: now, hostSnapshotID: hostID, verdicts: round.verdicts,
                    gone: commitGone, transitions: storeDrafts, runID: runID))
            if recovering {
                logger.notice("history database writable again; caught up")
                storeView = nil
                goneWhileDegraded = []
                degradedSince = nil
            }
            reported(round)
            if hostRecorded { sendHostChanges() }
            // While degraded, the journal already has some of these: send only what it lacks.
            let wanted = Set(drafts.map { "\($0.kind.rawValue) \($0.finding.findingID)" })
            var sent: [String] = []
            for r in records {
                if !recovering || wanted.contains("\(r.kind.rawValue) \(r.finding.findingID)") {
                    if sink.send(.transition(r.kind, finding: r.finding, transitionID: r.id)) {
                        sent.append(r.id)
                    } else {
                        needsResend = true
                    }
                } else {
                    sent.append(r.id)
                }
            }
            let sentAt = ContinuousClock.now
            do { try store.markSent(sent) } catch { storeFailed(error) }
            logger.debug(
                "round committed",
                metadata: [
                    "transitions": "\(records.count)", "verdicts": "\(round.verdicts.count)",
                    "commit+send": "\(sentAt - clockStart)", "markSent": "\(ContinuousClock.now - sentAt)",
                ])
        } catch {
            storeFailed(error)
            if storeView == nil { storeView = journalView }
            goneWhileDegraded.formUnion(round.gone)
            reported(round)
            for d in drafts {
                // Not in the store: the journal gets them with ids of their own.
                if !sink.send(.transition(d.kind, finding: d.finding, transitionID: UUID().uuidString.lowercased())) {
                    logger.error(
                        "transition neither stored nor logged", metadata: ["finding": "\(d.finding.findingID)"])
                }
            }
        }
    }

    /// The journal's view of the findings in force after a round.
    private func reported(_ round: AuditLedger.RoundResult) {
        if let current = round.current {
            journalView = current
            return
        }
        for d in round.transitions {
            switch d.kind {
            case .resolved: journalByID[d.finding.findingID] = nil
            case .opened, .waived, .waiverExpired: journalByID[d.finding.findingID] = d.finding
            }
        }
    }

    private var needsHostLog: Bool { (try? store.unsentHostChanges().isEmpty == false) ?? false }

    private func sendHostChanges() {
        guard let changes = try? store.unsentHostChanges(), !changes.isEmpty else { return }
        var sent: [String] = []
        for c in changes {
            let entry = JournalEntry.hostChanged(
                hostname: c.current.snapshot.hostname, snapshotID: String(c.current.id), changeID: c.id,
                changes: c.changes, hardware: c.current.hardware, justified: c.current.justified,
                previousJustified: c.previous?.justified, microcode: c.current.snapshot.cpu.microcode,
                kernel: c.current.snapshot.kernel, machineID: c.current.snapshot.machineID,
                msrStatus: c.current.msrStatus)
            guard sink.send(entry) else {
                needsResend = true
                break
            }
            sent.append(c.id)
        }
        do { try store.markSent(sent) } catch { storeFailed(error) }
    }

    /// Sends what was committed but not sent (journald was down, or the daemon died between
    /// commit and send): host changes first, then transitions, oldest first.
    func resendUnsent() {
        needsResend = false
        sendHostChanges()
        guard !needsResend, let unsent = try? store.unsentTransitions(), !unsent.isEmpty else { return }
        var sent: [String] = []
        for r in unsent {
            guard sink.send(.transition(r.kind, finding: r.finding, transitionID: r.id)) else {
                needsResend = true
                break
            }
            sent.append(r.id)
        }
        do { try store.markSent(sent) } catch { storeFailed(error) }
        if !sent.isEmpty { logger.info("resent journal entries", metadata: ["count": "\(sent.count)"]) }
    }

    /// Enters degraded mode once: says so in the log and the journal; auditing goes on.
    func storeFailed(_ error: StoreError) {
        if degradedSince == nil {
            degradedSince = clock()
            logger.error("history database cannot be written; auditing continues", metadata: ["error": "\(error)"])
            sink.send(.storeDegraded(path: store.path, error: error.description))
        }
    }
}
