/// `flotilla-bench` options (`dispatch` or `core`), parsed from the command line.
struct BenchOptions: Sendable, Equatable {
    var agents = 8
    /// Trivial jobs in the throughput run.
    var jobs = 400
    /// Measured single-job runs for dispatch latency (after the warm-up runs).
    var samples = 200
    var warmup = 5
    /// Also write the JSON report here.
    var jsonPath: String?
    /// Keep the temporary directory (PKI, workspaces, marks) for inspection.
    var keep = false
    /// Which benchmark: `dispatch` (the fleet) or `core` (coordinator decisions only).
    var command = "dispatch"
    /// `core`: the smaller run whose per-job cost is the reference.
    var referenceJobs = 100

    static let usage = """
        usage: flotilla-bench dispatch [--agents N] [--jobs N] [--samples N] [--warmup N] [--json FILE] [--keep]
               flotilla-bench core [--agents N] [--jobs N] [--reference-jobs N] [--json FILE]

        Starts a coordinator and N agents (capacity 1 each) in this process over loopback TLS and measures
          dispatch latency  job ready (coordinator) -> the step's bash running (agent), single-job runs one at a time;
                            reference: the same bash script started directly with posix_spawn, interleaved;
          throughput        one run of --jobs independent `run: "true"` jobs, submit -> RunFinished;
                            reference: the same number of bash spawns on --agents threads.
        `core` drives the coordinator's state machine alone (no sockets or processes) through one run of
        --jobs jobs and one of --reference-jobs jobs and compares the decision cost per job.
        Prints one JSON object (also to --json FILE). Build with -c release for meaningful figures.

          --agents N    agents, 1-64 (default 8)
          --jobs N      jobs in the throughput run, 1-10000 (default 400; core: 1600)
          --samples N   measured latency runs, 10-100000 (default 200)
          --warmup N    latency runs discarded first, 0-1000 (default 5)
          --reference-jobs N  core: jobs in the reference run, 1-10000 (default 100)
          --json FILE   also write the report to FILE
          --keep        keep the temporary directory and print its path
        """

    /// Parses the arguments after the program name.
    ///
    /// - Throws: `BenchError.usage` naming the offending argument.
    static func parse(_ arguments: [String]) throws(BenchError) -> BenchOptions {
        guard let command = arguments.first else { throw .usage("missing command (expected `dispatch`, `core`, `schedule` or `artifacts`)") }
        guard command == "dispatch" || command == "core" else {
            throw .usage("unknown command '\(command)' (expected `dispatch`, `core`, `schedule` or `artifacts`)")
        }
        var options = BenchOptions()
        options.command = command
        if command == "core" { options.jobs = 1_600 }
        var arguments = BenchArguments(arguments, from: 1)
        while let option = arguments.next() {
            switch option {
            case "--agents": options.agents = try arguments.integer(1...64)
            case "--jobs": options.jobs = try arguments.integer(1...10_000)
            case "--samples": options.samples = try arguments.integer(10...100_000)
            case "--warmup": options.warmup = try arguments.integer(0...1_000)
            case "--reference-jobs": options.referenceJobs = try arguments.integer(1...10_000)
            case "--json": options.jsonPath = try arguments.value()
            case "--keep": options.keep = true
            default: throw .usage("unknown option '\(option)'")
            }
        }
        return options
    }
}
