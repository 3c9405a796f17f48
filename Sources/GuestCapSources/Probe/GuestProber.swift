import Foundation
import GuestCapCore

/// Boots a throwaway guest configured like a given one and returns what the probe kernel read
/// inside it: libvirt guests through libvirt (a transient `guestcap-probe-…` domain), QEMU
/// command lines through the same QEMU binary, Firecracker configurations through Firecracker.
public struct GuestProber: Sendable {
    /// How to probe.
    public struct Options: Sendable {
        /// The probe kernel (`guestcap-probe.elf`).
        public var kernel: String
        /// libvirt's connection URI.
        public var libvirtURI: String = "qemu:///system"
        /// Seconds one probe may take from start to its line, before it is ended and reported.
        public var timeout: TimeInterval = 60

        /// Creates options.
        public init(kernel: String, libvirtURI: String = "qemu:///system", timeout: TimeInterval = 60) {
            self.kernel = kernel
            self.libvirtURI = libvirtURI
            self.timeout = timeout
        }
    }

    /// What one probe found.
    public struct Result: Sendable {
        /// What the probe kernel read.
        public var reading: ProbeReading
        /// How the guest was booted, for people ("libvirt transient domain guestcap-probe-1a2b3c4d, type qemu").
        public var method: String
    }

    /// The options in force.
    public let options: Options
    private let cleanup: ProbeCleanup

    /// Creates a prober that registers what it starts with `cleanup`.
    public init(options: Options, cleanup: ProbeCleanup = .shared) {
        self.options = options
        self.cleanup = cleanup
    }

    /// Probes the guest a configuration file describes.
    /// - Parameters:
    ///   - path: The configuration file.
    ///   - source: What kind of configuration it is (from ``GuestConfigLoader``).
    /// - Throws: ``ProbeError`` when no probe guest could be started or it printed nothing.
    public func probe(path: String, source: GuestSource) throws(ProbeError) -> Result {
        guard FileManager.default.isReadableFile(atPath: options.kernel) else {
            throw ProbeError(
                path: path,
                "the probe kernel \(options.kernel) cannot be read; install guestcap's package or give --kernel FILE")
        }
        let bytes: [UInt8]
        do { bytes = try ConfigFileReader(maxBytes: ReadLimits().maxBytes).read(path) } catch {
            throw ProbeError(path: path, "cannot be read: \(error.reason)")
        }
        let work = try workDirectory(path: path)
        let removeWork = cleanup.add { try? FileManager.default.removeItem(atPath: work) }
        defer { cleanup.run(removeWork) }
        switch source {
        case .libvirt, .libvirtLive:
            let domain: LibvirtProbeDomain
            do { domain = try LibvirtProbeDomain(xml: bytes) } catch { throw ProbeError(path: path, error.description) }
            return try probeLibvirt(domain, path: path, work: work)
        case .qemu:
            let command: QEMUProbeCommand
            do { command = try QEMUProbeCommand(commandLine: bytes) } catch {
                throw ProbeError(path: path, error.description)
            }
            return try probeQEMU(command, path: path, work: work)
        case .firecracker:
            return try FirecrackerProbe(path: path, config: bytes, kernel: options.kernel, timeout: options.timeout)
                .run(work: work, cleanup: cleanup)
        }
    }

    // MARK: - libvirt

    private func probeLibvirt(_ domain: LibvirtProbeDomain, path: String, work: String) throws(ProbeError) -> Result {
        guard domain.arch == "x86_64" || domain.arch == "i686" else {
            throw ProbeError(
                path: path, "the guest's architecture is \(domain.arch): the probe kernel runs on x86 only")
        }
        let name = "guestcap-probe-" + UUID().uuidString.prefix(8).lowercased()
        // libvirt runs QEMU as its own user and labels the kernel for it: a private copy.
        let kernel = work + "/guestcap-probe.elf"
        let serial = work + "/serial.log"
        let xmlPath = work + "/domain.xml"
        do {
            try FileManager.default.copyItem(atPath: options.kernel, toPath: kernel)
            try domain.domainXML(name: name, kernel: kernel, serialLog: serial).write(
                toFile: xmlPath, atomically: false, encoding: .utf8)
        } catch {
            throw ProbeError(path: path, "cannot prepare the probe guest in \(work): \(error.localizedDescription)")
        }
        let uri = options.libvirtURI
        let timeout = options.timeout
        let destroy = cleanup.add {
            _ = try? ProbeProcess.run(
                "virsh", ["-q", "-c", uri, "destroy", name], workDir: work, label: "destroy",
                path: path, timeout: timeout)
        }
        defer { cleanup.run(destroy) }
        let method =
            "libvirt transient domain \(name), type \(domain.domainType), machine \(domain.machine ?? "libvirt's default")"
        let deadline = Date().addingTimeInterval(timeout)
        let create = try ProbeProcess.run(
            "virsh", ["-q", "-c", uri, "create", xmlPath], workDir: work,
            label: "create", path: path, timeout: timeout)
        guard create.status == 0 else {
            if create.status == nil {
                throw ProbeError(path: path, "libvirt did not start the probe guest within \(Int(timeout)) seconds")
            }
            throw ProbeError(
                path: path,
                "libvirt refused to start a type='\(domain.domainType)' probe guest with this <cpu>: \(Self.quote(create.stderr))"
            )
        }
        while Date() < deadline {
            if let reading = ProbeReading(serialOutput: ProbeProcess.read(serial)) {
                return Result(reading: reading, method: method)
            }
            usleep(100_000)
        }
        throw ProbeError(
            path: path,
            "the probe guest \(name) printed no reading within \(Int(timeout)) seconds; serial output: \(Self.quote(ProbeProcess.read(serial)))"
        )
    }

    // MARK: - QEMU

    private func probeQEMU(_ command: QEMUProbeCommand, path: String, work: String) throws(ProbeError) -> Result {
        let serial = work + "/serial.log"
        _ = FileManager.default.createFile(atPath: serial, contents: nil)
        let qemu = try ProbeProcess(
            command.binary, command.arguments(kernel: options.kernel, serialLog: serial),
            workDir: work, label: "qemu", path: path)
        let stop = cleanup.add { qemu.stop() }
        defer { cleanup.run(stop) }
        var reading: ProbeReading?
        let outcome = qemu.wait(deadline: Date().addingTimeInterval(options.timeout)) {
            reading = ProbeReading(serialOutput: ProbeProcess.read(serial))
            return reading != nil
        }
        if reading == nil { reading = ProbeReading(serialOutput: ProbeProcess.read(serial)) }
        let method =
            "\(command.binary) -cpu \(command.cpu ?? "(QEMU's default)"), accelerator \(command.acceleratorDescription)"
        if let reading { return Result(reading: reading, method: method) }
        if outcome.status == nil {
            throw ProbeError(
                path: path,
                "QEMU printed no reading within \(Int(options.timeout)) seconds; serial output: \(Self.quote(ProbeProcess.read(serial)))"
            )
        }
        throw ProbeError(
            path: path,
            "QEMU refused to start the probe guest with the same -cpu and accelerator (exit status \(outcome.status!)): \(Self.quote(outcome.stderr))"
        )
    }

    // MARK: - Helpers

    private func workDirectory(path: String) throws(ProbeError) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("guestcap-probe-" + UUID().uuidString)
            .path
        do {
            // 0755: the user libvirt runs QEMU as must reach the kernel copy inside.
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o755])
        } catch {
            throw ProbeError(
                path: path,
                "cannot create a folder for the probe guest in \(FileManager.default.temporaryDirectory.path): \(error.localizedDescription)"
            )
        }
        return dir
    }

    /// A program's message as one quoted line: "error: " prefixes, blank lines, virsh's line
    /// naming our temporary file and, when there is an error besides them, QEMU's warnings about
    /// other features dropped.
    static func quote(_ text: String) -> String {
        var lines = text.split(whereSeparator: \.isNewline).map { line -> String in
            var l = line.trimmingCharacters(in: .whitespaces)
            while l.hasPrefix("error: ") { l.removeFirst("error: ".count) }
            return l
        }.filter { !$0.isEmpty && !$0.hasPrefix("Failed to create domain from ") }
        // QEMU's warnings name each feature it cannot give; only those about MSR 0x10a matter here.
        let errors = lines.filter {
            !$0.contains("warning: ") || $0.contains("arch-capabilities") || $0.contains("MSR(10AH)")
        }
        if errors.contains(where: { !$0.contains("warning: ") }) { lines = errors }
        if lines.isEmpty { return "(no message)" }
        return "'" + lines.joined(separator: " / ") + "'"
    }
}
