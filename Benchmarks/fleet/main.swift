import Foundation
import GuestCapCore
import GuestCapReport

// guestcap-fleet-gen: writes synthetic host exports (guestcap.report/v1) for `guestcap fleet`,
// its tests and its benchmark.
//
//   guestcap-fleet-gen --out DIR [--hosts 10000] [--guests 100] [--examples examples/hosts] [--pretty]
//                      [--from-host N]    only hosts N..<hosts (to split the work over processes)
//   guestcap-fleet-gen --history FILE [--guests 12]     a history database of one host over the period
//
// Host i is one of the example hosts (Cascade Lake, Granite Rapids, Skylake without MSR,
// Cascade Lake with disagreeing CPUs) renamed; its guests cycle through eight configurations
// evaluated by the real policy engine under a policy with two migration pools and a waiver.
// Every 50th guest of a host is also on the previous host (same UUID): a migrated guest.

var args = CommandLine.arguments.dropFirst()
var out: String?
var history: String?
var hosts = 10_000
var guests = 100
var pretty = false
var firstHost = 0
var examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/hosts").path
while let a = args.popFirst() {
    switch a {
    case "--out": out = args.popFirst()
    case "--hosts": hosts = Int(args.popFirst() ?? "") ?? hosts
    case "--guests": guests = Int(args.popFirst() ?? "") ?? guests
    case "--examples": examples = args.popFirst() ?? examples
    case "--pretty": pretty = true
    case "--from-host": firstHost = Int(args.popFirst() ?? "") ?? 0
    case "--history": history = args.popFirst()
    default:
        FileHandle.standardError.write(
            Data(
                "usage: guestcap-fleet-gen (--out DIR | --history FILE) [--hosts N] [--guests N] [--examples DIR] [--pretty]\n"
                    .utf8))
        exit(2)
    }
}
let period = ReportDocument.Period(
    from: ReportCoding.parseDate("2026-11-24T00:00:00Z")!,
    to: ReportCoding.parseDate("2026-11-25T00:00:00Z")!)
if let history {
    try ExampleFleet(examples: examples, period: period).writeHistory(path: history, guests: guests)
    print(
        "wrote the history of one host over \(ReportCoding.formatDate(period.from)) – \(ReportCoding.formatDate(period.to)) to \(history)"
    )
    exit(0)
}
guard let out else {
    FileHandle.standardError.write(Data("guestcap-fleet-gen: --out DIR or --history FILE is required\n".utf8))
    exit(2)
}
try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
var fleet = ExampleFleet(examples: examples, period: period)
// ReportCoding.encoder() builds an ISO8601DateFormatter for every date it writes, which makes
// ICU the bottleneck for a million guests; .iso8601 writes the same text with a shared formatter.
let encoder = ReportCoding.encoder(pretty: pretty)
encoder.dateEncodingStrategy = .iso8601
let start = Date()
var bytes = 0
for i in firstHost..<hosts {
    let report = fleet.report(host: i, guests: guests, firstGuest: i * guests)
    let data = try encoder.encode(report)
    bytes += data.count
    try data.write(to: URL(fileURLWithPath: out + "/" + ExportFileName.base(report) + ".json"))
}
print(
    "wrote \(hosts - firstHost) exports of \(guests) guests (\(bytes / 1_048_576) MiB) to \(out) in \(Int(Date().timeIntervalSince(start))) s"
)
