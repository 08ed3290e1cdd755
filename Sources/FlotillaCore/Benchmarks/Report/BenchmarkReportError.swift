/// Why a benchmark report could not be made.
public enum BenchmarkReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No stored run has this id.
    case unknownRun(String)
    /// The run exists but recorded no benchmark samples.
    case noSamplesInRun(String)
    /// No benchmark samples were recorded for this job (in this pipeline, if given).
    case unknownJob(job: String, pipeline: String?)
    /// The job id has benchmark samples in several pipelines; one must be chosen.
    case ambiguousJob(job: String, pipelines: [String])
    /// A file or directory of the report could not be created or written.
    case cannotWrite(path: String, operation: String, errno: Int32, reason: String)

    public var description: String {
        switch self {
        case .unknownRun(let run):
            return "no run '\(run)' in this state directory (see 'flotilla runs')"
        case .noSamplesInRun(let run):
            return "run \(run) recorded no benchmark samples (only jobs with a 'benchmark:' key record them)"
        case .unknownJob(let job, let pipeline):
            return "no benchmark samples recorded for job '\(job)'" + (pipeline.map { " of pipeline \($0)" } ?? "")
        case .ambiguousJob(let job, let pipelines):
            return "job '\(job)' has benchmark samples in \(pipelines.count) pipelines (\(pipelines.joined(separator: ", "))); "
                + "choose one with --pipeline FILE"
        case .cannotWrite(let path, let operation, _, let reason):
            return "cannot write the report: \(operation) \(path): \(reason)"
        }
    }
}
