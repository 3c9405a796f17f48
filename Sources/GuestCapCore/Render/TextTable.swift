/// Left-aligned columns for terminal output.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    /// A table with these column titles.
    public init(_ header: [String]) { self.header = header }

    /// Appends a row.
    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines, columns padded to their widest cell (the last column is not padded).
    public func render(indent: String = "") -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return all.map { row in
            indent + row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
