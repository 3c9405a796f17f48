import Foundation
import GRDB
import Testing
@testable import GuestCapStore

@Suite("Stored dates")
struct StoreTimeTests {
    /// The store's own date text is byte for byte what GRDB's DateFormatter-based encoding
    /// writes, so rows written before and after compare and sort alike.
    @Test func matchesGRDBEncoding() {
        var rng = SystemRandomNumberGenerator()
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: -0.0005),
            Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_399.999),  // 2100-02-28 23:59:59.999
            Date(timeIntervalSince1970: 1_798_761_599.9996),
            Date(timeIntervalSince1970: -2_208_988_800),  // 1900-01-01
        ]
        // GUESTCAP_STORETIME_SAMPLES=300000 for a longer search.
        let count = Int(ProcessInfo.processInfo.environment["GUESTCAP_STORETIME_SAMPLES"] ?? "") ?? 5000
        for _ in 0..<count {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -3_000_000_000...6_000_000_000, using: &rng)))
            // Exact half milliseconds, where rounding rules differ.
            dates.append(
                Date(
                    timeIntervalSince1970: Double(
                        Int64.random(
                            in: -3_000_000_000_000...6_000_000_000_000,
                            using: &rng)) / 1000 + 0.0005))
        }
        for d in dates {
            #expect(StoreTime.text(d) == String.fromDatabaseValue(d.databaseValue), "\(d.timeIntervalSince1970)")
        }
    }

    /// The store reads its text, and the other forms SQLite dates take, as GRDB does.
    @Test func readsAsGRDBDoes() throws {
        var rng = SystemRandomNumberGenerator()
        var texts = [
            "1970-01-01 00:00:00.000", "2000-02-29 12:34:56.789", "1899-12-31 23:59:59.999",
            "2026-11-25T09:00:00", "2026-11-25 09:00:00.5", "2026-11-25 09:00", "2026-11-25", "12345.5",
            "not a date", "2026-13-01 00:00:00.000",
        ]
        for _ in 0..<2000 {
            texts.append(
                StoreTime.text(
                    Date(
                        timeIntervalSince1970: Double.random(
                            in: -3_000_000_000...6_000_000_000,
                            using: &rng))))
        }
        for t in texts {
            let ours = StoreTime.date(t.databaseValue)
            let theirs = Date.fromDatabaseValue(t.databaseValue)
            #expect((ours == nil) == (theirs == nil), "\(t)")
            if let ours, let theirs { #expect(abs(ours.timeIntervalSince(theirs)) < 0.000_5, "\(t)") }
        }
        #expect(StoreTime.date(DatabaseValue.null) == nil)
        let d = Date(timeIntervalSince1970: 1_795_000_123.456)
        #expect(abs(try #require(StoreTime.date(StoreTime.text(d).databaseValue)).timeIntervalSince(d)) < 0.000_5)
    }
}
