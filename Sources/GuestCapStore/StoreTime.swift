import Foundation
import GRDB

/// How the store writes and reads dates: the text GRDB uses by default (`yyyy-MM-dd
/// HH:mm:ss.SSS`, UTC, to the nearest millisecond), computed arithmetically. GRDB's own
/// conversions go through a `DateFormatter` and a `Calendar` whose first use loads ICU's
/// locale and time zone data: several MiB of resident memory in the daemon, for a
/// fixed-format UTC timestamp.
enum StoreTime {
    /// The stored text of `date`.
    static func text(_ date: Date) -> String {
        // The same arithmetic, in the same order, as Foundation's formatter before ICU floors it:
        // halves round up, and the sum is taken from the reference date as Date stores it.
        let ms = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let (secs, milli) = floorDivide(ms, 1000)
        let (days, secOfDay) = floorDivide(secs, 86_400)
        let (y, m, d) = civil(daysSinceEpoch: days)
        var out = [UInt8]()
        out.reserveCapacity(23)
        append(y, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(d, width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        append(secOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(secOfDay % 3600 / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(secOfDay % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        append(milli, width: 3, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The encoding strategy for the store's records.
    static let encoding = DatabaseDateEncodingStrategy.custom { text($0) }
    /// The decoding strategy for the store's records.
    static let decoding = DatabaseDateDecodingStrategy.custom { date($0) }

    /// The date in column `index` of `row`, for records that read columns by position.
    /// - Throws: when it is NULL or not a date.
    static func date(_ row: Row, _ index: Int) throws -> Date {
        guard let date = try optionalDate(row, index) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "column \(index): NULL where a date is required")
        }
        return date
    }

    /// The date in column `index` of `row`, nil for NULL.
    /// - Throws: when it is not a date.
    static func optionalDate(_ row: Row, _ index: Int) throws -> Date? {
        let value: DatabaseValue = row[index]
        if value.isNull { return nil }
        guard let date = date(value) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "column \(index): not a date: \(value)")
        }
        return date
    }

    /// The date a stored value holds: `yyyy-MM-dd HH:mm:ss[.f…]` (a `T` also separates), read
    /// here; anything else (a number, a date without time) as GRDB reads it.
    static func date(_ value: DatabaseValue) -> Date? {
        guard var text = String.fromDatabaseValue(value) else { return Date.fromDatabaseValue(value) }
        // In place: no copy of the bytes per date.
        return text.withUTF8(parse) ?? Date.fromDatabaseValue(value)
    }

    /// `yyyy-MM-dd HH:mm:ss[.f…]` (or with `T`), nil when `b` is anything else.
    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Date? {
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<from + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard b.count >= 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
            b[16] == UInt8(ascii: ":"),
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 60
        else { return nil }
        var fraction = 0.0
        if b.count > 19 {
            guard b[19] == UInt8(ascii: "."), b.count > 20, b.count <= 29, let f = num(20, b.count - 20) else {
                return nil
            }
            fraction = Double(f) / pow(10, Double(b.count - 20))
        }
        let seconds = days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + sec
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the inverse of ``civil(daysSinceEpoch:)``).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (q, a - q * b)
    }

    /// Proleptic Gregorian year, month, day of a day count from 1970-01-01 (the era-based
    /// days-to-civil conversion: 400-year eras of 146,097 days, years starting in March).
    private static func civil(daysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func append(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var v = value
        var i = width - 1
        while i >= 0 && v > 0 {
            digits[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
        out += digits
    }
}

extension Date {
    /// This date as the store writes it, for SQL arguments.
    var stored: String { StoreTime.text(self) }
}
