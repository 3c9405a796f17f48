import Foundation
import Logging
import Synchronization
import Testing
@testable import GuestCapDaemon

@Suite struct JournalLogHandlerTests {
    /// Keeps what it is sent.
    final class Recorder: JournalTransport {
        let sent = Mutex<[JournalEntry]>([])
        func send(_ entry: JournalEntry) throws(JournalError) { sent.withLock { $0.append(entry) } }
    }

    @Test func anErrorReachesTheJournalAtPriority3WithItsMetadataAsFields() async throws {
        let marker = Shell.marker()
        let logger = Logger(label: "guestcap") { JournalLogHandler(label: $0) }
        logger.error("cannot write the textfile export", metadata: ["path": "/nowhere/\(marker).prom"])
        let found = try await JournalReader.wait(["GUESTCAP_PATH=/nowhere/\(marker).prom"], count: 1)
        try #require(found.count == 1)
        #expect(found[0]["PRIORITY"] == "3")
        #expect(found[0]["MESSAGE"] == "cannot write the textfile export")
        #expect(found[0]["SYSLOG_IDENTIFIER"] == "guestcap")
        #expect(found[0]["CODE_FILE"]?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(found[0]["CODE_LINE"] != nil)
    }

    @Test(arguments: [
        (Logger.Level.critical, "2"), (.error, "3"), (.warning, "4"), (.notice, "5"),
        (.info, "6"), (.debug, "7"), (.trace, "7"),
    ])
    func priorityFollowsTheLevel(level: Logger.Level, priority: String) {
        let recorder = Recorder()
        let logger = Logger(label: "guestcap") { JournalLogHandler(label: $0, level: .trace, transport: recorder) }
        logger.log(level: level, "a line")
        let sent = recorder.sent.withLock { $0 }
        #expect(sent.map { $0["PRIORITY"] } == [priority])
    }

    @Test func linesBelowTheLevelAreNotSentAndFieldNamesAreValid() throws {
        let recorder = Recorder()
        var logger = Logger(label: "guestcap") { JournalLogHandler(label: $0, level: .notice, transport: recorder) }
        logger[metadataKey: "watch-dir"] = "/etc/libvirt/qemu"
        logger.info("not sent")
        logger.warning("sent", metadata: ["GUESTCAP_RULE": "reserved-bits", "error": "EACCES"])
        let sent = recorder.sent.withLock { $0 }
        try #require(sent.count == 1)
        #expect(sent.first?.message == "sent")
        #expect(sent.first?["GUESTCAP_WATCH_DIR"] == "/etc/libvirt/qemu")
        #expect(sent.first?["GUESTCAP_RULE"] == "reserved-bits")
        #expect(sent.first?["GUESTCAP_ERROR"] == "EACCES")
    }

    @Test func stderrIsTheJournalOnlyWhenJournalStreamNamesIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Shell.marker()).path
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        try #require(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        let stream = "\(st.st_dev):\(st.st_ino)"
        #expect(JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": stream], fd: fd))
        #expect(
            !JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(st.st_dev):\(st.st_ino + 1)"], fd: fd)
        )
        #expect(!JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "not a stream"], fd: fd))
        #expect(!JournalLogHandler.stderrIsJournal(environment: [:], fd: fd))
    }
}
