/// Bounds that keep a hostile document from exhausting memory or time.
///
/// The defaults leave a wide margin over real libvirt domain and status files (tens of
/// kilobytes, about ten levels deep).
public struct XMLLimits: Sendable {
    /// The largest document accepted, in bytes.
    public var maxBytes: Int = 4 << 20
    /// The deepest element nesting accepted; the root is at depth 1.
    ///
    /// Values above 4,096 act as 4,096: freeing a tree recurses once per level, and a deeper
    /// tree could exhaust a thread's stack.
    public var maxDepth: Int = 64
    /// The most attributes accepted on one element.
    public var maxAttributesPerElement: Int = 256
    /// The most elements accepted in one document.
    public var maxElements: Int = 200_000

    /// Creates limits, each defaulting to a value suited to libvirt files.
    public init(
        maxBytes: Int = 4 << 20,
        maxDepth: Int = 64,
        maxAttributesPerElement: Int = 256,
        maxElements: Int = 200_000
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxAttributesPerElement = maxAttributesPerElement
        self.maxElements = maxElements
    }

    /// The depth limit actually applied.
    var effectiveMaxDepth: Int { min(maxDepth, 4096) }
}
