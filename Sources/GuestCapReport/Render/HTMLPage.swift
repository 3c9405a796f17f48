/// A page being built up, in one place so the renderers can stay a list of `write` calls; with
/// a sink, handed over whenever it reaches `chunkSize` bytes.
struct HTMLPage {
    /// What is written and not yet handed to the sink.
    private(set) var text = ""
    private let chunkSize: Int
    private let sink: ((String) throws -> Void)?
    /// The sink's first error; the rest of the page is dropped.
    private(set) var failure: (any Error)?

    init(chunkSize: Int = .max, sink: ((String) throws -> Void)? = nil) {
        self.chunkSize = chunkSize
        self.sink = sink
    }

    /// Adds `html` to the page; only `HTML` goes in, so every value in it was escaped or named raw.
    mutating func write(_ html: HTML) {
        text += html.text
        if text.utf8.count >= chunkSize { flush() }
    }

    mutating func flush() {
        guard let sink, !text.isEmpty else { return }
        if failure == nil {
            do { try sink(text) } catch { failure = error }
        }
        text = ""
    }
}
