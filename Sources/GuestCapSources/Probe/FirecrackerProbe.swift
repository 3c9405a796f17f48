import Foundation
import GuestCapCore

/// Probes a Firecracker configuration by running Firecracker itself (`--no-api
/// --config-file`) with the guest's CPU template, 1 vCPU and 32 MiB, booting the probe kernel
/// through its PVH entry; the first serial port is Firecracker's standard output.
struct FirecrackerProbe {
    let path: String
    let config: [UInt8]
    let kernel: String
    let timeout: TimeInterval

    func run(work: String, cleanup: ProbeCleanup) throws(ProbeError) -> GuestProber.Result {
        guard let firecracker = ProbeProcess.locate("firecracker") else {
            throw ProbeError(
                path: path,
                "probing a Firecracker configuration needs Firecracker, and there is no 'firecracker' program on PATH")
        }
        let vmConfig = work + "/vm.json"
        do {
            let data = try JSONSerialization.data(withJSONObject: try probeConfig(), options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: vmConfig))
        } catch let error as ProbeError {
            throw error
        } catch {
            throw ProbeError(
                path: path, "cannot prepare the Firecracker probe in \(work): \(error.localizedDescription)")
        }
        let process = try ProbeProcess(
            firecracker, ["--no-api", "--config-file", vmConfig, "--level", "Error"],
            workDir: work, label: "firecracker", path: path)
        let stop = cleanup.add { process.stop() }
        defer { cleanup.run(stop) }
        var reading: ProbeReading?
        let outcome = process.wait(deadline: Date().addingTimeInterval(timeout)) {
            reading = ProbeReading(serialOutput: ProbeProcess.read(process.stdoutPath))
            return reading != nil
        }
        if reading == nil { reading = ProbeReading(serialOutput: outcome.stdout) }
        if let reading {
            return GuestProber.Result(
                reading: reading, method: "\(firecracker) --no-api, the configuration's CPU template")
        }
        if outcome.status == nil {
            throw ProbeError(path: path, "Firecracker printed no reading within \(Int(timeout)) seconds")
        }
        throw ProbeError(
            path: path,
            "Firecracker refused to start the probe guest (exit status \(outcome.status!)): \(GuestProber.quote(outcome.stderr + "\n" + outcome.stdout))"
        )
    }

    // A VM config keeps its machine-config cpu_template and cpu-config; a custom CPU template
    // file becomes the probe's cpu-config.
    private func probeConfig() throws(ProbeError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(config)) as? [String: Any] else {
            throw ProbeError(path: path, "is not a JSON object")
        }
        var machine: [String: Any] = ["vcpu_count": 1, "mem_size_mib": 32]
        var probe: [String: Any] = ["boot-source": ["kernel_image_path": kernel, "boot_args": ""]]
        if let given = object["machine-config"] as? [String: Any] {
            if let template = given["cpu_template"] { machine["cpu_template"] = template }
            if let cpuConfig = object["cpu-config"] { probe["cpu-config"] = cpuConfig }
        } else {
            probe["cpu-config"] = object
        }
        probe["machine-config"] = machine
        return probe
    }
}
