import Foundation
import Testing

/// The README and docs point only at files the repository has.
@Suite("documentation links")
struct DocumentationLinksTests {
    /// Repository paths a Markdown text names: link targets and `code` spans that look like
    /// paths into contracts/, docs/, scripts/, examples/ or etc/.
    static func paths(in text: String, relativeTo folder: String) -> [String] {
        var out: [String] = []
        let link = try! NSRegularExpression(pattern: #"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        let code = try! NSRegularExpression(pattern: #"`((?:contracts|docs|scripts|examples|etc)/[A-Za-z0-9._/-]+)`"#)
        let range = NSRange(text.startIndex..., in: text)
        for m in link.matches(in: text, range: range) {
            guard let r = Range(m.range(at: 1), in: text) else { continue }
            let target = String(text[r])
            if target.contains("://") || target.hasPrefix("mailto:") { continue }
            out.append(URL(fileURLWithPath: folder).appendingPathComponent(target).standardized.path)
        }
        for m in code.matches(in: text, range: range) {
            guard let r = Range(m.range(at: 1), in: text) else { continue }
            out.append(CLI.packageRoot + "/" + text[r])
        }
        return out
    }

    @Test("the link finder sees a Markdown link and a path in code")
    func finderWorks() {
        let found = Self.paths(
            in: "see [x](docs/a.md#b) and `contracts/host-root.md`, not [y](https://e.org)",
            relativeTo: "/r")
        #expect(found == ["/r/docs/a.md", CLI.packageRoot + "/contracts/host-root.md"])
    }

    @Test(
        "every file the README and docs/ name exists",
        arguments: ["README.md"]
            + ((try? FileManager.default
            .contentsOfDirectory(atPath: CLI.packageRoot + "/docs")) ?? []).filter { $0.hasSuffix(".md") }.map {
                "docs/" + $0
            })
    func linksResolve(file: String) throws {
        let path = CLI.packageRoot + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let folder = (path as NSString).deletingLastPathComponent
        for target in Self.paths(in: text, relativeTo: folder) where !target.contains("*") && !target.contains("{") {
            #expect(
                FileManager.default.fileExists(atPath: target),
                "\(file) names \(target), which is not in the repository")
        }
    }
}
