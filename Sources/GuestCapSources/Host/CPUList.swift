/// Parses the kernel's CPU list format (`0-3,8,10-11`).
enum CPUList {
    /// The CPU numbers, or nil when the text is not a CPU list.
    static func parse(_ text: String) -> [Int]? {
        var cpus: [Int] = []
        for part in text.trimmedWhitespace.split(separator: ",") {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                guard let n = Int(ends[0]) else { return nil }
                cpus.append(n)
            case 2:
                guard let a = Int(ends[0]), let b = Int(ends[1]), a <= b, b - a < 65536 else { return nil }
                cpus += Array(a...b)
            default:
                return nil
            }
        }
        return cpus.isEmpty ? nil : cpus
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmedWhitespace: String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
