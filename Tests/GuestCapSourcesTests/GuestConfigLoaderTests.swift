import Foundation
import Glibc
import GuestCapCore
import Testing
@testable import GuestCapSources

@Suite("Loading files, folders and processes")
final class GuestConfigLoaderTests {
    private let loader = GuestConfigLoader()
    /// A new folder for each test (Swift Testing makes one suite instance per test), removed after it.
    private let dir = makeTempDirectory()

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @Test("kind comes from content, not the file name")
    func kindFromContent() throws {
        write("qemu-system-x86_64 -name guest=odd -cpu host\n", to: dir + "/odd-name.conf")
        write(#"{"machine-config": {"cpu_template": "C3"}}"#, to: dir + "/fc.args")
        let qemu = loader.load(path: dir + "/odd-name.conf")
        #expect(qemu.count == 1)
        #expect(qemu.first?.config?.source == .qemu)
        #expect(qemu.first?.config?.name == "odd")
        let fc = loader.load(path: dir + "/fc.args")
        #expect(fc.first?.config?.source == .firecracker)
        #expect(fc.first?.config?.cpu.base == .kvmDefault(label: "Firecracker template C3"))
    }

    @Test("content hashes: SHA-256 of each file by default, empty when the loader is told to skip them")
    func contentHashes() throws {
        write("qemu-system-x86_64 -name guest=q -cpu host\n", to: dir + "/q.args")
        write(#"{"machine-config": {"cpu_template": "C3"}}"#, to: dir + "/fc.json")
        try FileManager.default.copyItem(atPath: Fixture.path("libvirt/db01.xml"), toPath: dir + "/db01.xml")
        let hashed = loader.scan(directory: dir).compactMap(\.config)
        let unhashed = GuestConfigLoader(hashContents: false).scan(directory: dir).compactMap(\.config)
        #expect(hashed.count == 3 && unhashed.count == 3)
        for (with, without) in zip(hashed, unhashed) {
            #expect(with.contentHash.count == 64 && with.contentHash.allSatisfy(\.isHexDigit))
            #expect(
                with.contentHash == SHA256.hex(of: Array(FileManager.default.contents(atPath: with.path) ?? Data())))
            #expect(without.contentHash == "")
            var same = without
            same.contentHash = with.contentHash
            #expect(same == with)
        }
    }

    @Test("isCandidate: .xml/.json/.args only; dot-files and temporaries never")
    func candidates() {
        for name in ["web01.xml", "fc.json", "vm.args", "VM.XML"] {
            #expect(GuestConfigLoader.isCandidate(fileName: name))
        }
        for name in [".web01.xml", "web01.xml.new", "web01.xml.tmp", "web01.xml~", "notes.txt", "web01.xml.swp", "xml"]
        {
            #expect(!GuestConfigLoader.isCandidate(fileName: name))
        }
    }

    @Test("folder: temporaries and dot-files ignored, subfolders not descended, other kinds skipped, sorted by path")
    func scanFolder() throws {
        write("qemu-system-x86_64 -name guest=zeta -cpu host\n", to: dir + "/zeta.args")
        write(#"{"machine-config": {"cpu_template": "T2S"}}"#, to: dir + "/alpha.json")
        write(#"{"dashboard": "not a VM"}"#, to: dir + "/grafana.json")
        write("/usr/bin/rsync -a /srv /backup\n", to: dir + "/backup.args")
        for ignored in [".hidden.args", "beta.xml.new", "gamma.json.tmp", "delta.args~", "readme.txt"] {
            write("garbage <<<", to: dir + "/" + ignored)
        }
        try FileManager.default.createDirectory(atPath: dir + "/nested", withIntermediateDirectories: false)
        write("qemu-system-x86_64 -cpu host\n", to: dir + "/nested/inner.args")
        try FileManager.default.createDirectory(atPath: dir + "/folder.xml", withIntermediateDirectories: false)
        #expect(mkfifo(dir + "/pipe.args", 0o600) == 0)

        let outcomes = loader.scan(directory: dir)
        #expect(
            outcomes.map(\.path)
                == ["alpha.json", "backup.args", "folder.xml", "grafana.json", "pipe.args", "zeta.args"]
                .map { dir + "/" + $0 })
        #expect(outcomes[0].config?.name == "alpha")
        #expect(outcomes[1].skipReason == "not a QEMU command line: it runs '/usr/bin/rsync'")
        #expect(outcomes[2].skipReason == "is a folder; folders are not descended into")
        #expect(
            outcomes[3].skipReason?.hasPrefix(
                "a JSON document that is neither a Firecracker VM configuration nor a CPU template") == true)
        #expect(outcomes[4].error == "\(dir)/pipe.args: is a FIFO, not a regular file")
        if case .unreadable(_, let source, _) = outcomes[4] { #expect(source == .qemu) }
        #expect(outcomes[5].config?.name == "zeta")
    }

    @Test("a folder that cannot be listed is reported, not ignored")
    func missingFolder() {
        let outcomes = loader.scan(directory: "/nonexistent-guestcap-folder", sourceHint: .firecracker)
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.error?.hasPrefix("/nonexistent-guestcap-folder: the folder cannot be listed") == true)
    }

    @Test("processes: x86 QEMU only, pid recorded, kernel threads and other programs ignored, sorted by pid")
    func processes() throws {
        let root = dir
        func process(_ pid: String, _ argv: [String]) {
            try! FileManager.default.createDirectory(atPath: "\(root)/proc/\(pid)", withIntermediateDirectories: true)
            let bytes = argv.isEmpty ? [] : Array(argv.joined(separator: "\0").utf8) + [0]
            _ = FileManager.default.createFile(atPath: "\(root)/proc/\(pid)/cmdline", contents: Data(bytes))
        }
        process(
            "2210", ["/usr/bin/qemu-system-x86_64", "-name", "guest=web01,debug-threads=on", "-cpu", "host,-mds-no"])
        process("1", ["/sbin/init", "splash"])
        process("35", [])  // a kernel thread
        process("980", ["/usr/libexec/qemu-kvm", "-cpu", "host,taa-no=perhaps"])
        process("1200", ["/usr/bin/qemu-system-aarch64", "-cpu", "host"])
        process("self", ["/usr/bin/qemu-system-x86_64"])

        let outcomes = loader.scanProcesses(hostRoot: root + "/")
        #expect(outcomes.map(\.path) == ["\(root)/proc/980/cmdline", "\(root)/proc/2210/cmdline"])
        #expect(outcomes[0].error == "\(root)/proc/980/cmdline: -cpu property 'taa-no=perhaps' is neither on nor off")
        let web01 = try #require(outcomes[1].config)
        #expect(web01.pid == 2210)
        #expect(web01.name == "web01")
        #expect(!AdvertisedValue(config: web01, host: TestHosts.cascadeLake).value.contains(bit: 5))
        #expect(loader.scanProcesses(hostRoot: "/nonexistent-guestcap-root").isEmpty)
    }
}
