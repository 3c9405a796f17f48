/// One guest configuration as read from disk or /proc: parsed, or unreadable with a reason.
public enum GuestInput: Sendable {
    case config(GuestConfig)
    case unreadable(path: String, source: GuestSource, error: String)

    public var path: String {
        switch self {
        case .config(let c): c.path
        case .unreadable(let p, _, _): p
        }
    }

    public var source: GuestSource {
        switch self {
        case .config(let c): c.source
        case .unreadable(_, let s, _): s
        }
    }

    /// Identities for a set of inputs: (source, UUID), except that files of one source that
    /// claim the same UUID are each identified by path (policy-model §3).
    public static func identities(_ inputs: [GuestInput]) -> [GuestIdentity] {
        var claims: [String: Int] = [:]
        for case .config(let c) in inputs {
            if let u = c.uuid { claims["\(c.source.rawValue):\(u)", default: 0] += 1 }
        }
        return inputs.map { input in
            switch input {
            case .config(let c):
                if let u = c.uuid, claims["\(c.source.rawValue):\(u)"] == 1 {
                    return GuestIdentity(source: c.source, uuid: u, path: c.path)
                }
                return GuestIdentity(source: c.source, path: c.path)
            case .unreadable(let path, let source, _):
                return GuestIdentity(source: source, path: path)
            }
        }
    }
}
