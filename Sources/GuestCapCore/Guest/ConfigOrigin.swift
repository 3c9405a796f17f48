/// The place in a configuration that made a claim: shown to the operator as "which line made it".
public struct ConfigOrigin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the configuration says, e.g. `<feature policy='force' name='mds-no'/>` or `-cpu host,+mds-no`.
    public let text: String
    /// 1-based line in the file, when the format has lines.
    public let line: Int?

    /// Creates an origin.
    public init(_ text: String, line: Int? = nil) {
        self.text = text
        self.line = line
    }

    /// `text (line N)`.
    public var description: String {
        line.map { "\(text) (line \($0))" } ?? text
    }
}
