/// Which elements of a document ``XMLDocumentParser`` builds into the tree it returns.
///
/// Every byte of the document is still checked against every rule whatever the selection:
/// well-formedness, matching tags, UTF-8, the DOCTYPE and entity refusal, references, and
/// every bound in ``XMLLimits``. A document is refused with the same error whatever is
/// selected; the selection only decides which elements become ``XMLElement`` values, so a
/// caller that needs a few small subtrees of a large document does not pay for the rest.
///
/// A path is element names separated by `/`, starting at the root, as written in the
/// document (qualified names, compared byte for byte):
///
/// - `domain/cpu/**` keeps `<cpu>` under a `<domain>` root with its whole subtree;
/// - `domain/name` keeps `<name>` with its attributes and text, but none of its children
///   unless another path selects them.
///
/// The root element is always kept with its attributes and text, and so is every element on
/// the way to a selected one; they get only the children some path selects.
public struct XMLElementSelection: Sendable {
    /// One step of the compiled paths: an element name and the steps below it.
    struct Node: Sendable {
        /// The element name as UTF-8.
        var name: [UInt8]
        /// Indices into `nodes` of the steps below this one.
        var children: [Int] = []
        /// Whether everything below this element is kept (`/**`).
        var keepsSubtree = false
    }

    /// The steps; `nodes[0]` stands above the root, `nodes[1]` has no children.
    let nodes: [Node]

    /// Every element: the whole document becomes a tree.
    public static let everything = XMLElementSelection(keepingEverything: ())

    /// Keeps the elements these paths select, and their ancestors.
    ///
    /// - Parameter paths: Paths such as `domain/name` or `domain/cpu/**`; each names at least
    ///   one element, and `**` may only end a path.
    public init(paths: [String]) {
        var nodes = [Node(name: []), Node(name: [])]
        for path in paths {
            var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let subtree = segments.last == "**"
            if subtree { segments.removeLast() }
            precondition(
                !segments.isEmpty && !segments.contains { $0.isEmpty || $0 == "**" },
                "an XML element path is names separated by '/', optionally ending in '/**': \(path)"
            )
            var current = 0
            for segment in segments {
                let name = Array(segment.utf8)
                if let existing = nodes[current].children.first(where: { nodes[$0].name == name }) {
                    current = existing
                } else {
                    nodes.append(Node(name: name))
                    nodes[current].children.append(nodes.count - 1)
                    current = nodes.count - 1
                }
            }
            if subtree { nodes[current].keepsSubtree = true }
        }
        self.nodes = nodes
    }

    private init(keepingEverything: Void) {
        nodes = [Node(name: [], keepsSubtree: true), Node(name: [])]
    }

    /// Whether an element is built into the tree, and which of its children are.
    enum Keep: Equatable {
        /// Checked but not built; nor is anything below it.
        case skipped
        /// Built with everything below it.
        case subtree
        /// Built; its children are those `nodes[index]` lists.
        case node(Int)
    }

    /// What the root element's parent would be: the root itself is always kept.
    var top: Keep { nodes[0].keepsSubtree ? .subtree : .node(0) }

    /// The keep of a child named by `name` (bytes of the document) of an element whose keep
    /// is `parent`. The root (parent `top`) is kept even when no path names it.
    @inline(__always)
    func child(of parent: Keep, named name: UnsafeBufferPointer<UInt8>) -> Keep {
        guard case .node(let index) = parent else { return parent }
        for child in nodes[index].children where nodes[child].name.elementsEqual(name) {
            return nodes[child].keepsSubtree ? .subtree : .node(child)
        }
        return index == 0 ? .node(1) : .skipped
    }
}
