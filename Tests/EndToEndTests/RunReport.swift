import Foundation

/// What `flotilla run` printed, read the way a person reads it: the per-job progress lines
/// (`[1/4] build: running on local-1`) and the summary table at the end.
struct RunReport {
    /// One row of the summary table.
    struct Row: Equatable {
        var job: String
        var agent: String
        var status: String
    }

    /// The summary rows in printed order; empty when no table was printed.
    let rows: [Row]
    /// Whether the `JOB AGENT STATUS DURATION` header was printed.
    let hasSummaryTable: Bool
    private let progress: [(job: String, text: String)]

    init(_ stdout: String) {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var progress: [(String, String)] = []
        for line in lines where line.hasPrefix("[") {
            guard let close = line.firstIndex(of: "]") else { continue }
            let rest = line[line.index(after: close)...].drop { $0 == " " }
            guard let colon = rest.range(of: ": ") else { continue }
            progress.append((String(rest[..<colon.lowerBound]), String(rest[colon.upperBound...])))
        }
        self.progress = progress

        var rows: [Row] = []
        let header = lines.firstIndex { Self.cells($0) == ["JOB", "AGENT", "STATUS", "DURATION"] }
        if let header {
            for line in lines[(header + 1)...] {
                let cells = Self.cells(line)
                guard cells.count == 4 else { break }
                rows.append(Row(job: cells[0], agent: cells[1], status: cells[2]))
            }
        }
        self.rows = rows
        hasSummaryTable = header != nil
    }

    /// The summary row of `job`.
    func row(_ job: String) -> Row? {
        rows.first { $0.job == job }
    }

    /// What the progress lines said about `job`, in order (`assigned to alpha`, `succeeded`…).
    func events(_ job: String) -> [String] {
        progress.filter { $0.job == job }.map(\.text)
    }

    /// Table cells are separated by two or more spaces; values themselves ("agent lost",
    /// "0.3 s") contain single spaces.
    private static func cells(_ line: String) -> [String] {
        line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
