// guestcap-store-bench: the history store under a year of a 1,000-guest host.
//
//   guestcap-store-bench [--guests N] [--days D] [--path FILE] [--no-prune | --reuse]   run the benchmark
//     (--no-prune keeps the database whole; --reuse times the queries on it again, without a build)
//   guestcap-store-bench writer FILE BATCH                        commit forever (crash-safety test)
//   guestcap-store-bench probe FILE                               open read-only and read status
import Foundation
import GuestCapCore
import GuestCapStore

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "writer": Helpers.writer(path: args[1], batch: Int(args[2]) ?? 10)
case "probe": Helpers.probe(path: args[1])
default: Benchmark(arguments: args).run()
}
