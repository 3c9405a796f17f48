import GuestCapCore

/// Placeholder until the XML parser lands: libvirt files are reported unreadable.
public enum LibvirtDomainParser {
    /// Parses libvirt XML.
    public static func parse(_ bytes: [UInt8], path: String, sourceHint: GuestSource?) throws(GuestConfigError) -> GuestConfig {
        throw .malformed("libvirt XML is not supported yet")
    }
}
