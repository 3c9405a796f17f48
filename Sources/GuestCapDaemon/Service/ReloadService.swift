import GuestCapCore
import GuestCapSources
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP: re-reads the configuration file and the policy. A broken file keeps the previous
/// one in force and is logged (*policy-rejected*, with file, line and key). A good one is handed
/// to the auditor (every guest re-evaluated), the watcher (new directories) and the sampler
/// (which samples the host at once).
public final class ReloadService: Service {
    private let overrides: DaemonOverrides
    private let inbox: AuditInbox
    private let watcher: WatcherService
    private let sampler: HostSamplerService
    private let sink: JournalSink
    private let logger: Logger

    /// A reload handler.
    public init(
        overrides: DaemonOverrides, inbox: AuditInbox, watcher: WatcherService, sampler: HostSamplerService,
        sink: JournalSink, logger: Logger
    ) {
        self.overrides = overrides
        self.inbox = inbox
        self.watcher = watcher
        self.sampler = sampler
        self.sink = sink
        self.logger = logger
    }

    public func run() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Does one reload.
    public func reload() {
        logger.info("reloading configuration and policy")
        let config: DaemonConfiguration
        do {
            config = try overrides.resolve()
        } catch {
            reject(file: error.file, error: error.description)
            return
        }
        let policy: Policy
        do {
            policy = try DaemonOverrides.policy(for: config)
        } catch {
            reject(file: error.file, error: error.description)
            return
        }
        watcher.setDirectories(config.sources.map(\.directory))
        inbox.submit { $0.reload = (config, policy) }
        sampler.sampleNow(root: HostRoot(config.hostRoot), interval: config.sampleInterval)
    }

    private func reject(file: String, error: String) {
        logger.error(
            "configuration rejected; the previous one stays in force",
            metadata: ["file": "\(file)", "error": "\(error)"])
        sink.send(.policyRejected(file: file, error: error))
    }
}
