/// Line coverage from one Cobertura or lcov file (or several merged).
public struct CoverageReport: Sendable, Equatable {
    /// Lines executed at least once.
    public var linesCovered: Int
    /// Lines that could be executed.
    public var linesValid: Int
    /// Per-file, per-line hit counts when the file had them (lcov `DA:`, Cobertura `<line>`),
    /// sorted by path; empty when only totals were given. Used to merge reports from shards
    /// that each cover part of the same files.
    public var files: [FileCoverage]

    public init(linesCovered: Int, linesValid: Int, files: [FileCoverage] = []) {
        self.linesCovered = linesCovered; self.linesValid = linesValid; self.files = files
    }

    /// Builds totals from per-line data.
    public init(files: [FileCoverage]) {
        let sorted = files.sorted { $0.path < $1.path }
        self.init(linesCovered: sorted.reduce(0) { $0 + $1.linesCovered }, linesValid: sorted.reduce(0) { $0 + $1.lines.count },
                  files: sorted)
    }

    /// Covered lines as a percentage of valid lines (0–100); 100 when there are no valid lines.
    public var percent: Double {
        linesValid == 0 ? 100 : Double(linesCovered) / Double(linesValid) * 100
    }

    /// One report for several: when every report has per-line data, lines are united per file
    /// (a line is covered if any report covered it), so shards of one test suite add up; otherwise
    /// the totals are summed.
    public static func merged(_ reports: [CoverageReport]) -> CoverageReport {
        if reports.count == 1 { return reports[0] }
        guard !reports.isEmpty, reports.allSatisfy({ !$0.files.isEmpty }) else {
            return CoverageReport(linesCovered: reports.reduce(0) { $0 + $1.linesCovered },
                                  linesValid: reports.reduce(0) { $0 + $1.linesValid })
        }
        var byPath: [String: [Int: Int]] = [:]
        for report in reports {
            for file in report.files { byPath[file.path, default: [:]].merge(file.lines, uniquingKeysWith: max) }
        }
        return CoverageReport(files: byPath.map { FileCoverage(path: $0.key, lines: $0.value) })
    }
}

/// Hit counts of one source file's executable lines.
public struct FileCoverage: Sendable, Equatable {
    public var path: String
    /// Line number → times executed (0 = not covered).
    public var lines: [Int: Int]

    public init(path: String, lines: [Int: Int]) { self.path = path; self.lines = lines }

    public var linesCovered: Int { lines.values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
}
