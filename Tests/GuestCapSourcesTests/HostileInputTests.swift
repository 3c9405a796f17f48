import Foundation
import Glibc
import GuestCapCore
import Testing
@testable import GuestCapSources

/// Files an attacker or an accident can put where guestcap looks. Each must give a clear
/// error naming the file, never hang (FIFO) and never crash (deep nesting, huge files).
@Suite("Hostile input")
struct HostileInputTests {
    private let loader = GuestConfigLoader()

    private func error(_ path: String, hint: GuestSource? = nil) -> String? {
        let outcomes = loader.load(path: path, sourceHint: hint)
        #expect(outcomes.count == 1)
        return outcomes.first?.error
    }

    private func fixtureError(_ relative: String) -> String? {
        error(Fixture.path(relative)).map { String($0.dropFirst(Fixture.path(relative).count + 2)) }
    }

    @Test("a FIFO is refused at once (opened non-blocking), not waited on")
    func fifo() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/guest.xml", 0o644) == 0)
        #expect(error(dir + "/guest.xml") == "\(dir)/guest.xml: is a FIFO, not a regular file")
    }

    @Test("a symbolic link to a device, a loop, a dangling link")
    func symlinks() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(symlink("/dev/null", dir + "/null.xml") == 0)
        #expect(error(dir + "/null.xml") == "\(dir)/null.xml: is a character device, not a regular file")
        #expect(symlink(dir + "/loop-b.xml", dir + "/loop-a.xml") == 0)
        #expect(symlink(dir + "/loop-a.xml", dir + "/loop-b.xml") == 0)
        #expect(error(dir + "/loop-a.xml") == "\(dir)/loop-a.xml: symbolic link loop (ELOOP)")
        #expect(symlink(dir + "/gone.xml", dir + "/dangling.xml") == 0)
        #expect(
            error(dir + "/dangling.xml") == "\(dir)/dangling.xml: is a dangling symbolic link (to '\(dir)/gone.xml')")
        #expect(error(dir + "/never-existed.xml") == "\(dir)/never-existed.xml: does not exist")
        // A symbolic link to a regular file is followed.
        write("qemu-system-x86_64 -cpu host\n", to: dir + "/real.args")
        #expect(symlink(dir + "/real.args", dir + "/link.args") == 0)
        #expect(loader.load(path: dir + "/link.args").first?.config?.path == dir + "/link.args")
    }

    @Test("a directory named explicitly is not a regular file")
    func directory() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(error(dir) == "\(dir): is a directory, not a regular file")
    }

    @Test("a sparse 1 GiB file is refused from its size, without reading it")
    func hugeSparseFile() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/huge.xml"
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 1 << 30) == 0)
        close(fd)
        #expect(
            error(path)
                == "\(path): is 1073741824 bytes, over the 4194304-byte limit (raise it with --max-config-bytes, or max_config_bytes in the daemon configuration)"
        )
        // The limit is configurable.
        let small = GuestConfigLoader(limits: ReadLimits(maxBytes: 16))
        write("qemu-system-x86_64 -cpu host\n", to: dir + "/vm.args")
        #expect(
            small.load(path: dir + "/vm.args").first?.error
                == "\(dir)/vm.args: is 29 bytes, over the 16-byte limit (raise it with --max-config-bytes, or max_config_bytes in the daemon configuration)"
        )
    }

    @Test(
        "permission denied: tests run as root, which bypasses chmod 000, so the read drops to uid 65534 (setfsuid, this thread only)"
    )
    func permissionDenied() throws {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let path = dir + "/secret.xml"
        write("<domain/>", to: path)
        chmod(path, 0)
        let outcome: [LoadOutcome]
        if getuid() == 0 {
            // setfsuid changes only the calling thread's file-system uid, and drops
            // CAP_DAC_OVERRIDE with it; a synchronous test body stays on one thread.
            typealias SetFSUID = @convention(c) (UInt32) -> Int32
            let setfsuid = unsafeBitCast(try #require(dlsym(dlopen(nil, RTLD_NOW), "setfsuid")), to: SetFSUID.self)
            _ = setfsuid(65534)
            try #require(setfsuid(65534) == 65534, "setfsuid refused (no CAP_SETUID?)")
            outcome = loader.load(path: path)
            _ = setfsuid(0)
            #expect(setfsuid(0) == 0)
        } else {
            outcome = loader.load(path: path)
        }
        #expect(outcome.first?.error == "\(path): permission denied (guestcap reads configurations as root)")
        if case .unreadable(_, let source, _) = outcome.first { #expect(source == .libvirt) }
    }

    @Test("JSON nested 10,000 deep is refused by a byte scan before the parser sees it")
    func deepJSON() {
        #expect(fixtureError("hostile/deep.json") == "line 1: JSON nested deeper than 64 levels")
    }

    @Test("truncated JSON")
    func truncatedJSON() {
        #expect(fixtureError("hostile/truncated.json")?.hasPrefix("is not valid JSON") == true)
    }

    @Test("bytes that are not UTF-8")
    func notUTF8() {
        #expect(fixtureError("hostile/not-utf8.json") == "line 1: is not valid UTF-8 (byte 0xff)")
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/vm.args", contents: Data([0x71, 0x0a, 0xc3, 0x28]))
        #expect(error(dir + "/vm.args") == "\(dir)/vm.args: line 2: is not valid UTF-8 (byte 0xc3)")
    }

    @Test("Firecracker bitmaps with a bad character or too many digits, an unknown template")
    func badFirecracker() {
        #expect(
            fixtureError("hostile/bitmap-bad-char.json")
                == "line 3: bitmap \"0b10z1\" has the character 'z'; only 0, 1, x and _ are allowed")
        #expect(
            fixtureError("hostile/bitmap-too-long.json")?.hasSuffix("has 65 digits, more than the 64 of the register")
                == true)
        #expect(
            fixtureError("hostile/unknown-template.json")
                == "line 3: machine-config cpu_template 'T3' is not a Firecracker x86 template (C3, T2, T2A, T2S, T2CL, None)"
        )
    }

    @Test("a cpu-config template file that is a FIFO makes the VM config unreadable")
    func templateIsFIFO() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        write(#"{"machine-config": {}, "cpu-config": "t.json"}"#, to: dir + "/vm.json")
        #expect(mkfifo(dir + "/t.json", 0o600) == 0)
        #expect(
            error(dir + "/vm.json")
                == "\(dir)/vm.json: line 1: its cpu-config template cannot be read: \(dir)/t.json: is a FIFO, not a regular file"
        )
    }

    @Test("args with an unbalanced quote")
    func unbalancedQuote() {
        #expect(
            fixtureError("hostile/unbalanced-quote.args")
                == "line 4: unbalanced single quote: the quote opened here is never closed")
    }

    @Test("an empty file is unreadable, its source guessed from the extension")
    func empty() {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        write("  \n", to: dir + "/vm.json")
        let outcome = loader.load(path: dir + "/vm.json").first
        #expect(outcome?.error == "\(dir)/vm.json: is empty")
        if case .unreadable(_, let source, _) = outcome { #expect(source == .firecracker) }
    }
}
