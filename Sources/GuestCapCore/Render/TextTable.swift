/// Left-aligned columns for terminal output.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    /// A table with these column titles.
    public init(_ header: [String]) { self.header = header }

    /// Appends a row.
    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines, columns padded to their widest cell (the last column is not padded).
    /// With a `width`, the widest columns are cut (marked "…") until a row fits, each column
    /// keeping at least its title's width (or 8), and one of equally long cells staying whole;
    /// the last column is then wrapped under itself.
    public func render(indent: String = "", width: Int? = nil) -> String {
        let all = [header] + rows
        var widths = header.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        if let width {
            // A column of equally long cells (dates, ids) is kept whole.
            let floor = header.indices.map { i in
                Set(rows.map { i < $0.count ? $0[i].count : 0 }).count == 1 ? widths[i] : max(header[i].count, 8)
            }
            let fixed = indent.count + 2 * (widths.count - 1)
            // The last column wraps, so it needs only its floor; cut the widest other column
            // one character at a time until the rest fits.
            let last = min(widths[widths.count - 1], floor[widths.count - 1])
            while fixed + widths.dropLast().reduce(0, +) + last > width,
                let i = widths.indices.dropLast().filter({ widths[$0] > floor[$0] })
                    .max(by: { widths[$0] < widths[$1] })
            {
                widths[i] -= 1
            }
        }
        let lastStart = indent.count + widths.dropLast().reduce(0, +) + 2 * (widths.count - 1)
        return all.map { row in
            let line =
                indent
                + row.enumerated().map { i, cell in
                    if i == row.count - 1 { return cell }
                    let c = TextWrap.abbreviate(cell, to: widths[i])
                    return c + String(repeating: " ", count: max(0, widths[i] - c.count))
                }.joined(separator: "  ")
            guard let width, line.count > width, width - lastStart >= 8 else { return line }
            // The last column wraps, each continuation under the column's start.
            let head = String(line.prefix(lastStart))
            let wrapped = TextWrap.wrapLine(
                String(repeating: " ", count: lastStart) + line.dropFirst(lastStart),
                width: width, hanging: lastStart)
            return head + wrapped.dropFirst(lastStart)
        }.joined(separator: "\n")
    }
}
