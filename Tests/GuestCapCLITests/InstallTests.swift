import Foundation
import Testing

/// `make install` into a temporary DESTDIR, and the Debian package installed on this machine.
///
/// `swift test` holds a lock on `.build` while tests run, so nothing here builds there: the tree
/// test installs the binary under test (`CLI.binary`) and builds swift-argument-parser's
/// `generate-manual` in `.build-tools` when it is not next to that binary; the package test builds
/// the release binary in `.build-deb` (or installs `$GUESTCAP_DEB`).
@Suite("make install, make uninstall and the Debian package", .serialized)
struct InstallTests {
    static let catalogID = "cc1d99c814a045468b3df9ff627be459"  // unjustified-immunity
    static let units = ["guestcap.service", "guestcap-export.service", "guestcap-export.timer"]
    static let fm = FileManager.default

    /// The configuration files the repository ships (guestcap.toml arrives with the daemon).
    static var shippedConfigs: [String] {
        ["policy.toml", "guestcap.toml"].filter { fm.fileExists(atPath: CLI.packageRoot + "/etc/guestcap/" + $0) }
    }

    /// swift-argument-parser's generate-manual: $GUESTCAP_GENERATE_MANUAL, next to the binary,
    /// or built once in .build-tools.
    static func generateManual() async throws -> String {
        if let env = ProcessInfo.processInfo.environment["GUESTCAP_GENERATE_MANUAL"] { return env }
        let beside = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent(
            "generate-manual"
        ).path
        if fm.isExecutableFile(atPath: beside) { return beside }
        let r = try await CLI.run(
            "make",
            [
                "-s", "-C", CLI.packageRoot, "build-manual-tool", "CONFIGURATION=debug",
                "SWIFT_SCRATCH=.build-tools", "SWIFT_BUILD_FLAGS=",
            ])
        try #require(r.status == 0, "building generate-manual: \(r.stdout)\(r.stderr)")
        return CLI.packageRoot + "/.build-tools/debug/generate-manual"
    }

    static func make(_ target: String, destdir: String, prefix: String, tool: String? = nil) async throws -> CLI.Result
    {
        var args = ["-C", CLI.packageRoot, target, "DESTDIR=\(destdir)", "PREFIX=\(prefix)"]
        if let tool { args += ["BIN=\(CLI.binary)", "GENERATE_MANUAL=\(tool)", "GENDIR=\(destdir).gen"] }
        return try await CLI.run("make", args)
    }

    /// `make install PREFIX=prefix` into a new temporary DESTDIR, which must succeed; returns the
    /// DESTDIR, the manual generator it used and make's result. ``remove(destdir:)`` cleans up.
    static func install(prefix: String) async throws -> (destdir: String, tool: String, result: CLI.Result) {
        let tool = try await generateManual()
        let d = CLI.tempDir("guestcap-destdir")
        let install = try await make("install", destdir: d, prefix: prefix, tool: tool)
        if install.status != 0 { remove(destdir: d) }
        try #require(install.status == 0, "make install: \(install.stdout)\(install.stderr)")
        return (d, tool, install)
    }

    /// Removes a DESTDIR made by ``install(prefix:)`` and the generated files beside it.
    static func remove(destdir d: String) {
        try? fm.removeItem(atPath: d)
        try? fm.removeItem(atPath: d + ".gen")
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Every regular file under `root`, relative to it, sorted.
    static func files(under root: String) -> [String] {
        guard let e = fm.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: root + "/" + p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
        }
        return out.sorted()
    }

    @Test("make install PREFIX=/usr: the whole tree; an edited config survives a reinstall and the uninstall")
    func installTree() async throws {
        let (d, tool, _) = try await Self.install(prefix: "/usr")
        defer { Self.remove(destdir: d) }

        // The binary runs and is the one under test.
        let version = try await CLI.guestcap(["--version"]).stdout
        let installed = try await CLI.run(d + "/usr/bin/guestcap", ["--version"])
        #expect(installed.status == 0 && installed.stdout == version && !version.isEmpty)

        // Units run the installed binary; nothing else in them changed for PREFIX=/usr.
        for unit in Self.units {
            let text = try #require(Self.read(d + "/usr/lib/systemd/system/" + unit), "\(unit) not installed")
            #expect(text == Self.read(CLI.packageRoot + "/systemd/" + unit), "\(unit) differs from systemd/\(unit)")
        }
        #expect(
            Self.read(d + "/usr/lib/systemd/system/guestcap.service")?.contains(
                "\nExecStart=/usr/bin/guestcap daemon\n") == true)

        // The catalog is installed where journald looks, and compiles there: one entry per id.
        let catalog = d + "/usr/lib/systemd/catalog/guestcap.catalog"
        #expect(Self.read(catalog) == Self.read(CLI.packageRoot + "/systemd/guestcap.catalog"))
        let update = try await CLI.run("journalctl", ["--root=\(d)", "--update-catalog"])
        #expect(update.status == 0, "\(update.stderr)")
        let list = try await CLI.run("journalctl", ["--root=\(d)", "--list-catalog"])
        let ids = Self.read(CLI.packageRoot + "/systemd/message-ids.tsv")?.split(separator: "\n").count ?? -1
        #expect(list.stdout.split(separator: "\n").count == ids)
        #expect(list.stdout.contains(Self.catalogID + " guestcap: Guest @GUESTCAP_GUEST_NAME@ is told it is immune"))
        try? Self.fm.removeItem(atPath: d + "/var")  // the compiled database is not part of the install

        #expect(Self.read(d + "/usr/lib/modules-load.d/guestcap.conf")?.split(separator: "\n").contains("msr") == true)
        for config in Self.shippedConfigs {
            #expect(
                Self.read(d + "/etc/guestcap/" + config) == Self.read(CLI.packageRoot + "/etc/guestcap/" + config),
                "/etc/guestcap/\(config)")
        }

        // Man pages from swift-argument-parser's generator: one per command, section 8.
        let man = d + "/usr/share/man/man8/"
        #expect(Self.read(man + "guestcap.8")?.contains(".Dt GUESTCAP 8") == true)
        #expect(Self.read(man + "guestcap.host.8")?.contains(".Nm \"guestcap host\"") == true)
        #expect(Self.fm.fileExists(atPath: man + "guestcap.check.8"))
        #expect(Self.fm.fileExists(atPath: man + "guestcap.policy.check.8"))

        // Completions, each where its shell looks on Debian.
        #expect(
            Self.read(d + "/usr/share/bash-completion/completions/guestcap")?.contains(
                "complete -o filenames -F _guestcap guestcap") == true)
        #expect(Self.read(d + "/usr/share/zsh/vendor-completions/_guestcap")?.hasPrefix("#compdef guestcap") == true)
        #expect(
            Self.read(d + "/usr/share/fish/vendor_completions.d/guestcap.fish")?.contains("complete -c 'guestcap' -f")
                == true)

        // Docs: the catalog and the units point to service.md there.
        #expect(Self.fm.fileExists(atPath: d + "/usr/share/doc/guestcap/service.md"))
        #expect(Self.fm.fileExists(atPath: d + "/usr/share/doc/guestcap/README.md"))
        #expect(Self.fm.fileExists(atPath: d + "/usr/share/doc/guestcap/probe.md"))
        // The probe kernel, where the installed binary looks for it (../lib/guestcap).
        let kernel = Self.fm.contents(atPath: d + "/usr/lib/guestcap/guestcap-probe.elf") ?? Data()
        #expect(kernel.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]), "guestcap-probe.elf missing or not an ELF")

        // Reinstall over an edited policy: the edit stays, the shipped file goes next to it.
        let policy = d + "/etc/guestcap/policy.toml"
        let edited = (Self.read(policy) ?? "") + "\n# edited by the operator\n"
        try edited.write(toFile: policy, atomically: true, encoding: .utf8)
        let again = try await Self.make("install", destdir: d, prefix: "/usr", tool: tool)
        try #require(again.status == 0, "second make install: \(again.stdout)\(again.stderr)")
        #expect(Self.read(policy) == edited)
        #expect(Self.read(policy + ".dist") == Self.read(CLI.packageRoot + "/etc/guestcap/policy.toml"))
        #expect(
            again.stdout.contains(
                "kept your edited /etc/guestcap/policy.toml; the shipped version is /etc/guestcap/policy.toml.dist"))

        // Uninstall removes everything it installed except the edited config.
        let uninstall = try await Self.make("uninstall", destdir: d, prefix: "/usr")
        try #require(uninstall.status == 0, "make uninstall: \(uninstall.stdout)\(uninstall.stderr)")
        #expect(uninstall.stdout.contains("kept your edited /etc/guestcap/policy.toml"))
        #expect(Self.files(under: d) == ["etc/guestcap/policy.toml"])
        #expect(Self.read(policy) == edited)
    }

    @Test("make install PREFIX=/usr/local rewrites the units' and catalog's paths")
    func installLocalPrefix() async throws {
        let (d, _, install) = try await Self.install(prefix: "/usr/local")
        defer { Self.remove(destdir: d) }
        let units = d + "/usr/local/lib/systemd/system/"
        let service = Self.read(units + "guestcap.service") ?? ""
        #expect(service.contains("\nExecStart=/usr/local/bin/guestcap daemon\n"))
        #expect(
            Self.read(units + "guestcap-export.service")?.contains(
                "\nExecStart=/usr/local/bin/guestcap export --format all --output-dir /var/lib/guestcap/exports\n")
                == true)
        for unit in Self.units {
            let text = Self.read(units + unit) ?? ""
            #expect(
                !text.contains("/usr/bin/guestcap") && !text.contains("/usr/share/doc"),
                "\(unit) still names /usr paths")
        }
        #expect(service.contains("Documentation=file:/usr/local/share/doc/guestcap/service.md"))
        let catalog = Self.read(d + "/usr/local/lib/systemd/catalog/guestcap.catalog") ?? ""
        #expect(catalog.contains("Documentation: file:/usr/local/share/doc/guestcap/service.md"))
        #expect(!catalog.contains("/usr/share/doc"))
        #expect(Self.fm.isExecutableFile(atPath: d + "/usr/local/bin/guestcap"))
        #expect(Self.fm.fileExists(atPath: d + "/usr/local/share/zsh/site-functions/_guestcap"))
        #expect(Self.fm.fileExists(atPath: d + "/usr/local/share/man/man8/guestcap.8"))
        // journalctl --update-catalog reads /usr/local/lib/systemd/catalog too: no note needed.
        #expect(!install.stdout.contains("note: journalctl --update-catalog"))
        let update = try await CLI.run("journalctl", ["--root=\(d)", "--update-catalog"])
        #expect(update.status == 0, "\(update.stderr)")
        let list = try await CLI.run("journalctl", ["--root=\(d)", "--list-catalog", Self.catalogID])
        #expect(list.stdout.contains(Self.catalogID), "/usr/local/lib/systemd/catalog not compiled: \(list.stderr)")
        try? Self.fm.removeItem(atPath: d + "/var")

        let uninstall = try await Self.make("uninstall", destdir: d, prefix: "/usr/local")
        #expect(uninstall.status == 0)
        #expect(Self.files(under: d).isEmpty)
    }

    /// Installs the package on this machine: slow (a release build) and it writes /usr, so only
    /// when scripts/test.sh asks for it. Purges the package at the end, also on failure.
    @Test(
        "the .deb installs, runs, explains its journal entries with the catalog, and purges cleanly",
        .enabled(
            if: ProcessInfo.processInfo.environment["GUESTCAP_TEST_DEB"] == "1",
            "installs a package on this machine: run scripts/test.sh (sets GUESTCAP_TEST_DEB=1)"))
    func debianPackage() async throws {
        // Never replace a guestcap this machine has for another reason.
        let before = try await CLI.run("dpkg-query", ["-W", "-f=${db:Status-Status}", "guestcap"])
        try #require(
            before.stdout != "installed" && !Self.fm.fileExists(atPath: "/usr/bin/guestcap"),
            "guestcap is already installed here; remove it first (dpkg --purge guestcap)")

        let deb: String
        if let prebuilt = ProcessInfo.processInfo.environment["GUESTCAP_DEB"] {
            deb = prebuilt
        } else {
            let dist = CLI.tempDir("guestcap-dist")
            let r = try await CLI.run(
                "make", ["-s", "-C", CLI.packageRoot, "deb", "SWIFT_SCRATCH=.build-deb", "DIST=\(dist)"])
            try #require(r.status == 0, "make deb: \(r.stdout)\(r.stderr)")
            deb = try #require(r.stdout.split(separator: "\n").last.map(String.init))
        }
        let version = try await CLI.guestcap(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let arch = try await CLI.run("dpkg", ["--print-architecture"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(deb.hasSuffix("/guestcap_\(version)_\(arch).deb"))

        // What the package says about itself.
        let depends = try await CLI.run("dpkg-deb", ["--field", deb, "Depends"]).stdout
        #expect(depends.contains("libsystemd0") && depends.contains("libsqlite3-0"), "Depends: \(depends)")
        let conffiles = try await CLI.run("sh", ["-c", "dpkg-deb --ctrl-tarfile \"$0\" | tar -xOf - ./conffiles", deb])
            .stdout
        #expect(
            conffiles.split(separator: "\n").map(String.init)
                == Self.shippedConfigs.sorted().map { "/etc/guestcap/" + $0 })

        defer { _ = try? CLI.run("dpkg", ["--purge", "guestcap"]) }
        let install = try await Self.dpkg(["-i", deb])
        try #require(install.status == 0, "dpkg -i: \(install.stdout)\(install.stderr)")

        // Runs without the toolchain: the Swift runtime is linked in.
        let ldd = try await CLI.run("ldd", ["/usr/bin/guestcap"]).stdout
        #expect(!ldd.contains("/opt/swift") && !ldd.contains("not found"), "\(ldd)")
        let v = try await CLI.run("/usr/bin/guestcap", ["--version"])
        #expect(v.status == 0 && v.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
        let host = try await CLI.run("/usr/bin/guestcap", ["host"])
        #expect(host.status == 0, "guestcap host: \(host.stderr)")
        #expect(host.stdout.contains("Justified (J), what a guest may be told:"))
        for path in [
            "/lib/systemd/system/guestcap.service", "/lib/systemd/system/guestcap-export.timer",
            "/usr/lib/systemd/catalog/guestcap.catalog", "/usr/lib/modules-load.d/guestcap.conf",
            "/usr/share/man/man8/guestcap.8.gz", "/usr/share/doc/guestcap/service.md",
            "/usr/share/bash-completion/completions/guestcap", "/etc/guestcap/policy.toml",
            "/usr/lib/guestcap/guestcap-probe.elf",
        ] {
            #expect(Self.fm.fileExists(atPath: path), "\(path) not installed")
        }

        // postinst compiled the catalog: journalctl -x explains a guestcap entry.
        let journald = try await CLI.run(CLI.packageRoot + "/scripts/start-journald.sh", [])
        try #require(journald.status == 0, "\(journald.stderr)")
        let marker = "debtest-" + UUID().uuidString.prefix(8).lowercased()
        let send = try await CLI.run(
            "logger", ["--journald"],
            stdin: """
                MESSAGE_ID=\(Self.catalogID)
                MESSAGE=guestcap package test \(marker)
                SYSLOG_IDENTIFIER=guestcap-deb-test
                PRIORITY=2
                GUESTCAP_GUEST_NAME=\(marker)
                GUESTCAP_BITS=mds-no

                """)
        try #require(send.status == 0, "logger: \(send.stderr)")
        _ = try await CLI.run("journalctl", ["--sync"])
        let explained = try await CLI.run(
            "journalctl",
            [
                "-x", "--no-pager", "MESSAGE_ID=\(Self.catalogID)",
                "GUESTCAP_GUEST_NAME=\(marker)",
            ])
        #expect(explained.stdout.contains("guestcap package test \(marker)"), "entry not found: \(explained.stdout)")
        #expect(
            explained.stdout.contains("Subject: Guest \(marker) is told it is immune to a flaw this host has"),
            "no catalog text (postinst's journalctl --update-catalog?): \(explained.stdout)")
        #expect(explained.stdout.contains("its CPU is not affected by mds-no"))

        // Remove keeps the configuration; purge takes it and the state directory.
        try "# edited\n".write(toFile: "/etc/guestcap/policy.toml", atomically: false, encoding: .utf8)
        try Self.fm.createDirectory(atPath: "/var/lib/guestcap", withIntermediateDirectories: true)
        try "x".write(toFile: "/var/lib/guestcap/history.sqlite", atomically: false, encoding: .utf8)
        let remove = try await Self.dpkg(["--remove", "guestcap"])
        try #require(remove.status == 0, "dpkg --remove: \(remove.stdout)\(remove.stderr)")
        #expect(!Self.fm.fileExists(atPath: "/usr/bin/guestcap"))
        #expect(Self.read("/etc/guestcap/policy.toml") == "# edited\n")
        let purge = try await Self.dpkg(["--purge", "guestcap"])
        try #require(purge.status == 0, "dpkg --purge: \(purge.stdout)\(purge.stderr)")
        for path in [
            "/usr/bin/guestcap", "/lib/systemd/system/guestcap.service", "/lib/systemd/system/guestcap-export.service",
            "/lib/systemd/system/guestcap-export.timer", "/usr/lib/systemd/catalog/guestcap.catalog",
            "/usr/lib/modules-load.d/guestcap.conf", "/usr/share/man/man8/guestcap.8.gz",
            "/usr/share/doc/guestcap", "/usr/share/bash-completion/completions/guestcap",
            "/usr/share/zsh/vendor-completions/_guestcap", "/usr/share/fish/vendor_completions.d/guestcap.fish",
            "/etc/guestcap", "/var/lib/guestcap",
        ] {
            #expect(!Self.fm.fileExists(atPath: path), "\(path) left after purge")
        }
        #expect(try await CLI.run("dpkg-query", ["-W", "-f=${db:Status-Status}", "guestcap"]).stdout != "installed")
        // postrm dropped the entries from the compiled catalog.
        let listed = try await CLI.run("journalctl", ["--list-catalog", Self.catalogID])
        #expect(listed.status != 0 && !listed.stdout.contains(Self.catalogID), "catalog still has guestcap after purge")
    }

    /// dpkg, retried while another process (another developer's apt-get) holds its lock.
    static func dpkg(_ args: [String]) async throws -> CLI.Result {
        var r = try await CLI.run("dpkg", args)
        for _ in 0..<60 where r.status != 0 && r.stderr.contains("lock") {
            try await Task.sleep(for: .seconds(2))
            r = try await CLI.run("dpkg", args)
        }
        return r
    }
}
