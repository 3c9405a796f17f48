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
        for key in inputs.lazy.compactMap(\.uuidClaim) { claims[key, default: 0] += 1 }
        return inputs.map { $0.identity(claimants: $0.uuidClaim.map { claims[$0] ?? 0 } ?? 0) }
    }

    /// The (source, UUID) key this input claims, nil when it names no UUID: inputs with the same
    /// key share a UUID and are identified by path.
    public var uuidClaim: String? {
        guard case .config(let c) = self, let u = c.uuid else { return nil }
        return "\(c.source.rawValue):\(u)"
    }

    /// Its identity when `claimants` inputs (itself included) claim its UUID: by UUID only when
    /// it is the only one.
    public func identity(claimants: Int) -> GuestIdentity {
        switch self {
        case .config(let c):
            if let u = c.uuid, claimants == 1 { return GuestIdentity(source: c.source, uuid: u, path: c.path) }
            return GuestIdentity(source: c.source, path: c.path)
        case .unreadable(let path, let source, _):
            return GuestIdentity(source: source, path: path)
        }
    }
}
