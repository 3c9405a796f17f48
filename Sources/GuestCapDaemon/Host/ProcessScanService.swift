import GuestCapSources
import Logging
import ServiceLifecycle

/// Lists running QEMU processes under `<host root>/proc` on an interval and hands them to the
/// auditor (guests started outside libvirt). Only in the group when an interval is configured.
public final class ProcessScanService: Service {
    private let hostRoot: String
    private let interval: Duration
    private let limits: ReadLimits
    private let inbox: AuditInbox

    /// A scanner.
    public init(hostRoot: String, interval: Duration, limits: ReadLimits = ReadLimits(), inbox: AuditInbox) {
        self.hostRoot = hostRoot
        self.limits = limits
        self.interval = interval
        self.inbox = inbox
    }

    public func run() async {
        let loader = GuestConfigLoader(limits: limits)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) } } catch {
                return
            }
            let found = loader.scanProcesses(hostRoot: hostRoot)
            inbox.submit { $0.processes = found }
        }
    }
}
