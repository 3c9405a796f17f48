import GuestCapCore

/// What reading one configuration path gave.
public enum LoadOutcome: Sendable {
    /// A guest configuration, ready to meet a host.
    case guest(GuestConfig)
    /// A candidate that could not be read or parsed; `error` names the file and the reason.
    case unreadable(path: String, source: GuestSource, error: String)
    /// A well-formed document of another kind (a libvirt `<network>`, unrelated JSON), or a folder.
    case skipped(path: String, reason: String)

    /// The file the outcome is about.
    public var path: String {
        switch self {
        case .guest(let config): return config.path
        case .unreadable(let path, _, _), .skipped(let path, _): return path
        }
    }

    /// The guest input it gives, nil when it is not a guest.
    public var guestInput: GuestInput? {
        switch self {
        case .guest(let config): return .config(config)
        case .unreadable(let path, let source, let error): return .unreadable(path: path, source: source, error: error)
        case .skipped: return nil
        }
    }
}
