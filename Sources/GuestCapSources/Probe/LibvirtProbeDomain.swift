import GuestCapCore

/// The throwaway libvirt domain that probes a libvirt guest: the guest's own `<cpu>`, domain
/// type, architecture, machine type and emulator, with 1 vCPU, 32 MiB, no disks and no
/// network, booting the probe kernel and writing its serial port to a file.
public struct LibvirtProbeDomain: Sendable, Equatable {
    /// `<domain type=…>`: `qemu` (TCG) or `kvm`.
    public var domainType: String
    /// `<os><type arch=…>`.
    public var arch: String
    /// `<os><type machine=…>`, when the guest names one.
    public var machine: String?
    /// `<devices><emulator>`, when the guest names one.
    public var emulator: String?
    /// The guest's `<cpu>` element, written out again; nil when it has none.
    public var cpuXML: String?

    /// Reads what the probe needs from a persistent `<domain>` or a live `<domstatus>` document.
    /// - Throws: ``GuestConfigError`` when the document is not a libvirt domain.
    public init(xml bytes: [UInt8]) throws(GuestConfigError) {
        let root: XMLElement
        let limits = XMLLimits(maxBytes: max(XMLLimits().maxBytes, bytes.count))
        do { root = try XMLDocumentParser.parse(bytes, limits: limits, keeping: Self.selection) } catch {
            throw .malformed("cannot be parsed as XML: \(error)")
        }
        let domain: XMLElement
        switch root.name {
        case "domain": domain = root
        case "domstatus":
            guard let nested = root.child("domain") else {
                throw .malformed("<domstatus> has no nested <domain>", line: root.line)
            }
            domain = nested
        default:
            throw .otherKind("an XML document with root element <\(root.name)>, not a libvirt domain")
        }
        domainType = domain.attribute("type") ?? "qemu"
        let osType = domain.child("os")?.child("type")
        arch = osType?.attribute("arch") ?? "x86_64"
        machine = osType?.attribute("machine")
        let emulator = domain.child("devices")?.child("emulator")?.trimmedText
        self.emulator = emulator?.isEmpty == false ? emulator : nil
        cpuXML = domain.child("cpu").map { Self.write(Self.probeCPU($0)) }
    }

    /// The transient domain's XML.
    /// - Parameters:
    ///   - name: The domain's name (`guestcap-probe-…`).
    ///   - kernel: The probe kernel, readable by the user libvirt runs QEMU as.
    ///   - serialLog: The file the guest's first serial port is written to.
    public func domainXML(name: String, kernel: String, serialLog: String) -> String {
        var machineAttr = ""
        if let machine { machineAttr = " machine='\(Self.escape(machine))'" }
        var lines = [
            "<domain type='\(Self.escape(domainType))'>",
            "  <name>\(Self.escape(name))</name>",
            "  <memory unit='MiB'>32</memory>",
            "  <vcpu placement='static'>1</vcpu>",
            "  <os>",
            "    <type arch='\(Self.escape(arch))'\(machineAttr)>hvm</type>",
            "    <kernel>\(Self.escape(kernel))</kernel>",
            "  </os>",
        ]
        if let cpuXML { lines.append("  " + cpuXML) }
        lines += [
            "  <on_poweroff>destroy</on_poweroff>",
            "  <on_reboot>destroy</on_reboot>",
            "  <on_crash>destroy</on_crash>",
            "  <devices>",
        ]
        if let emulator { lines.append("    <emulator>\(Self.escape(emulator))</emulator>") }
        lines += [
            "    <serial type='file'><source path='\(Self.escape(serialLog))'/><target port='0'/></serial>",
            "    <controller type='usb' model='none'/>",
            "    <memballoon model='none'/>",
            "  </devices>",
            "</domain>",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    static let selection = XMLElementSelection(paths: [
        "domain/os/type", "domain/devices/emulator", "domain/cpu/**",
        "domstatus/domain/os/type", "domstatus/domain/devices/emulator", "domstatus/domain/cpu/**",
    ])

    // The guest's topology and NUMA cells describe its vCPUs and memory, not what MSR 0x10a
    // holds; the probe has 1 vCPU and 32 MiB, which they would contradict.
    private static func probeCPU(_ cpu: XMLElement) -> XMLElement {
        var copy = cpu
        copy.children = cpu.children.filter { !["topology", "numa", "cache", "maxphysaddr"].contains($0.name) }
        return copy
    }

    // Element text inside <cpu> is only ever whitespace or a single value (<model>, <vendor>),
    // so writing children before text loses nothing.
    private static func write(_ element: XMLElement) -> String {
        let attrs = element.attributes.map { " \($0.name)='\(escape($0.value))'" }.joined()
        let text = element.trimmedText
        if element.children.isEmpty && text.isEmpty { return "<\(element.name)\(attrs)/>" }
        return "<\(element.name)\(attrs)>" + element.children.map(write).joined() + escape(text) + "</\(element.name)>"
    }

    private static let entities: [Character: String] = [
        "&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", "\"": "&quot;",
    ]

    private static func escape(_ s: String) -> String {
        s.reduce(into: "") { out, c in out += entities[c] ?? String(c) }
    }
}
