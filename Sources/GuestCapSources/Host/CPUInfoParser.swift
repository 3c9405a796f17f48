import GuestCapCore

/// Reads vendor, family, model, stepping, microcode and the relevant flags from `/proc/cpuinfo`.
enum CPUInfoParser {
    /// The identity of the first processor (all processors of a host share it in practice).
    static func parse(_ text: String) -> CPUIdentity {
        var id = CPUIdentity()
        var sawProcessor = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = rawLine.firstIndex(of: ":") else {
                if sawProcessor && rawLine.allSatisfy({ $0 == " " || $0 == "\t" }) { break }
                continue
            }
            let key = String(rawLine[..<colon]).trimmedWhitespace
            let value = String(rawLine[rawLine.index(after: colon)...]).trimmedWhitespace
            switch key {
            case "processor": sawProcessor = true
            case "vendor_id": id.vendor = value
            case "cpu family": id.family = Int(value)
            case "model": id.model = Int(value)
            case "model name": id.modelName = value
            case "stepping": id.stepping = Int(value)
            case "microcode": id.microcode = value
            case "flags":
                id.flags = value.split(separator: " ").map(String.init)
                    .filter { CPUIdentity.relevantFlags.contains($0) }.sorted()
            default: break
            }
        }
        return id
    }
}
