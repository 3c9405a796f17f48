import Foundation
import GuestCapCore
import Testing
@testable import GuestCapDaemon

@Suite struct MessageIDTests {
    @Test func swiftTableTSVAndCatalogAreTheSameSet() throws {
        let tsv = try String(contentsOfFile: Shell.packageRoot + "/systemd/message-ids.tsv", encoding: .utf8)
        var fromTSV: [String: String] = [:]
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let parts = line.split(separator: "\t")
            #expect(parts.count == 2, "malformed tsv line: \(line)")
            fromTSV[String(parts[0])] = String(parts[1])
        }
        let fromSwift = Dictionary(uniqueKeysWithValues: MessageID.all.map { ($0.name, $0.id) })
        #expect(fromSwift == fromTSV)

        let catalog = try String(contentsOfFile: Shell.packageRoot + "/systemd/guestcap.catalog", encoding: .utf8)
        let catalogIDs = Set(
            catalog.split(separator: "\n").filter { $0.hasPrefix("-- ") }.map { String($0.dropFirst(3)) })
        #expect(catalogIDs == Set(fromTSV.values))
        #expect(Set(MessageID.all.map(\.id)).count == MessageID.all.count, "ids are unique")
        for id in MessageID.all.map(\.id) {
            #expect(
                id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase },
                "\(id) is 32 lower-case hex digits")
        }
    }

    @Test func everyRuleHasAnOpenedID() {
        for rule in Rule.allCases { #expect(MessageID.opened(rule).name == rule.rawValue) }
        #expect(MessageID.transition(.resolved, rule: .unjustifiedImmunity) == .resolved)
        #expect(MessageID.transition(.opened, rule: .configUnreadable) == .configUnreadable)
    }

    @Test func fieldNamesAreMadeValid() {
        #expect(JournalEntry.fieldName("guest-name") == "GUEST_NAME")
        #expect(JournalEntry.fieldName("_private") == "PRIVATE")
        #expect(JournalEntry.fieldName("9lives") == "LIVES")
        #expect(JournalEntry.fieldName("GUESTCAP_BIT") == "GUESTCAP_BIT")
    }
}
