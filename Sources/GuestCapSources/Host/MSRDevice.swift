import GuestCapCore
import SystemPackage

/// One CPU's MSR device (`/dev/cpu/N/msr`), or a regular file standing in for it.
///
/// An MSR read is a positioned read of 8 bytes at the MSR's index; a regular file answers it
/// the same way, so tests and the real host run the same code.
struct MSRDevice {
    let cpu: Int
    let path: String

    /// Reads one MSR and classifies every failure the way an operator needs to hear it.
    func read(index: UInt32) -> MSRReading {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
        } catch let errno as Errno {
            return failure(opening: errno)
        } catch {
            return MSRReading(cpu: cpu, status: .error, error: "\(path): \(error)")
        }
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: 8)
        do {
            let n = try buffer.withUnsafeMutableBytes {
                try fd.read(fromAbsoluteOffset: Int64(index), into: $0, retryOnInterrupt: true)
            }
            guard n == 8 else {
                return MSRReading(
                    cpu: cpu, status: .absent,
                    error: "\(path): CPU \(cpu) does not implement MSR \(hex(index)) (short read)")
            }
        } catch let errno as Errno {
            if errno == .ioError {
                return MSRReading(
                    cpu: cpu, status: .absent,
                    error: "\(path): CPU \(cpu) does not implement MSR \(hex(index)) (EIO)")
            }
            return MSRReading(cpu: cpu, status: .error, error: "\(path): reading MSR \(hex(index)) failed: \(errno)")
        } catch {
            return MSRReading(cpu: cpu, status: .error, error: "\(path): \(error)")
        }
        let value = buffer.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return MSRReading(cpu: cpu, status: .ok, value: value)
    }

    private func failure(opening errno: Errno) -> MSRReading {
        switch errno {
        case .noSuchFileOrDirectory:
            return MSRReading(
                cpu: cpu, status: .moduleNotLoaded,
                error: "\(path) does not exist: the msr kernel module is not loaded (modprobe msr)")
        case .permissionDenied, .notPermitted:
            return MSRReading(
                cpu: cpu, status: .permissionDenied,
                error: "\(path): permission denied: run as root or grant CAP_SYS_RAWIO")
        default:
            return MSRReading(cpu: cpu, status: .error, error: "\(path): cannot open: \(errno)")
        }
    }

    private func hex(_ index: UInt32) -> String { "0x" + String(index, radix: 16) }
}
