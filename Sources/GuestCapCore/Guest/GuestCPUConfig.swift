/// What a configuration says about the guest's CPU, in the terms needed to compute G.
public struct GuestCPUConfig: Sendable, Hashable {
    /// Where the value starts.
    public var base: CPUBase
    /// Where the base was chosen (the `<cpu>` or `-cpu` line, the template name).
    public var baseOrigin: ConfigOrigin
    /// Changes in application order.
    public var operations: [CPUOperation]
    /// How the configuration makes QEMU refuse a guest whose request it cannot meet
    /// (`check='full'`, `enforce`), nil when QEMU just drops what it cannot provide.
    public var strictCheck: ConfigOrigin?
    /// The machine type (`pc-q35-8.2`, `microvm`), which decides what an unversioned model name means.
    public var machine: String?

    /// Creates a CPU configuration.
    public init(
        base: CPUBase, baseOrigin: ConfigOrigin, operations: [CPUOperation] = [],
        strictCheck: ConfigOrigin? = nil, machine: String? = nil
    ) {
        self.base = base
        self.baseOrigin = baseOrigin
        self.operations = operations
        self.strictCheck = strictCheck
        self.machine = machine
    }
}
