/// What a configuration says about the guest's CPU, in the terms needed to compute G.
public struct GuestCPUConfig: Sendable, Hashable {
    /// Where the value starts.
    public var base: CPUBase
    /// Where the base was chosen (the `<cpu>` or `-cpu` line, the template name).
    public var baseOrigin: ConfigOrigin
    /// Changes in application order.
    public var operations: [CPUOperation]

    /// Creates a CPU configuration.
    public init(base: CPUBase, baseOrigin: ConfigOrigin, operations: [CPUOperation] = []) {
        self.base = base
        self.baseOrigin = baseOrigin
        self.operations = operations
    }
}
