import Foundation
import GuestCapCore
import GuestCapSources
import GuestCapStore
import Logging
import ServiceLifecycle

/// `guestcap daemon`: sets everything up that can fail (configuration, policy, database,
/// inotify, the first audit) and then runs the services in one ServiceGroup until SIGTERM.
public enum Daemon {
    /// Why the daemon could not start.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the daemon until SIGTERM or SIGINT.
    /// - Throws: ``StartError`` when setup fails (nothing has been reported as ready then).
    public static func run(overrides: DaemonOverrides, version: String, logger: Logger) async throws {
        let config: DaemonConfiguration
        do { config = try overrides.resolve() } catch { throw StartError(description: error.description) }
        let policy: Policy
        do { policy = try DaemonOverrides.policy(for: config) } catch {
            throw StartError(description: error.description)
        }

        do { try HostRoot(config.hostRoot).check() } catch { throw StartError(description: error.description) }
        // The store creates the database folder itself, 0700 (docs/history.md).
        let store: HistoryStore
        do { store = try HistoryStore(path: config.databasePath, backgroundCheckpoints: true) } catch {
            throw StartError(description: error.description)
        }

        let sink = JournalSink(logger: logger)
        let inbox = AuditInbox()
        let directoryWatcher: DirectoryWatcher
        do {
            directoryWatcher = try DirectoryWatcher(
                directories: config.sources.map(\.directory),
                isCandidate: GuestConfigLoader.isCandidate, logger: logger)
        } catch {
            throw StartError(description: "cannot watch the configured directories: \(error)")
        }
        for s in config.sources where !directoryWatcher.watched.contains(Auditor.normalize(s.directory)) {
            logger.notice("watched directory does not exist yet; waiting for it", metadata: ["path": "\(s.directory)"])
        }

        // The first audit, before READY=1.
        let auditor = Auditor(
            configuration: config, policy: policy, store: store, sink: sink, logger: logger,
            version: version)
        let snapshot = HostProbe(root: HostRoot(config.hostRoot)).snapshot()
        let processes = config.processScanInterval.map { _ in
            GuestConfigLoader(limits: config.readLimits).scanProcesses(hostRoot: config.hostRoot)
        }
        do { try auditor.start(snapshot: snapshot, processes: processes) } catch {
            throw StartError(description: error.description)
        }

        let heartbeat = Heartbeat()
        let notifier = NotifierService(heartbeat: heartbeat, logger: logger)
        let auditorService = AuditorService(
            auditor: auditor, inbox: inbox, heartbeat: heartbeat, notifier: notifier,
            logger: logger)
        let watcher = WatcherService(watcher: directoryWatcher, logger: logger) { inbox.submit($0) }
        let sampler = HostSamplerService(
            root: HostRoot(config.hostRoot), interval: config.sampleInterval,
            last: snapshot, inbox: inbox, logger: logger)
        let reload = ReloadService(
            overrides: overrides, inbox: inbox, watcher: watcher, sampler: sampler, sink: sink,
            logger: logger)
        var services: [any Service] = [auditorService, sampler, watcher]
        if let interval = config.processScanInterval {
            services.append(
                ProcessScanService(
                    hostRoot: config.hostRoot, interval: interval, limits: config.readLimits,
                    inbox: inbox))
        }
        services += [reload, notifier]
        notifier.ready(status: auditorService.status)
        logger.info(
            "ready", metadata: ["guests": "\(auditor.counts.guests)", "violating": "\(auditor.counts.violating)"])

        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
