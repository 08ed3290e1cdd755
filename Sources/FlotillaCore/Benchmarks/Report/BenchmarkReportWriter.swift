#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a benchmark report into a directory: `report.md` and one SVG chart per series.
public enum BenchmarkReportWriter {
    /// The Markdown file's name inside the report directory.
    public static let markdownFileName = "report.md"

    /// What was written, as paths inside the directory given.
    public struct Output: Sendable, Equatable {
        public var markdownPath: String
        /// One per trend, in the trends' order.
        public var chartPaths: [String]
    }

    /// Creates `directory` (and its parents) if needed and writes the report of `trends` into it.
    ///
    /// Each file is written to a temporary name and renamed, so a reader never sees half a
    /// chart; existing files of the same names are replaced, others are left alone.
    ///
    /// - Parameters:
    ///   - title: the report's heading.
    ///   - trends: the series, in report order; chart names come from `chartFileNames(for:)`.
    ///   - configuration: the detector's thresholds for the marked changes.
    /// - Throws: `.cannotWrite` naming the path and the system's reason.
    @discardableResult
    public static func write(title: String, trends: [BenchmarkTrend], to directory: String,
                             configuration: RegressionDetector.Configuration = .init()) throws(BenchmarkReportError) -> Output {
        try makeDirectories(directory)
        let names = chartFileNames(for: trends)
        var sections: [BenchmarkReportMarkdown.Section] = []
        var chartPaths: [String] = []
        for (trend, name) in zip(trends, names) {
            let analysis = BenchmarkTrendAnalysis(trend: trend, configuration: configuration)
            let path = directory + "/" + name
            try writeFile(path, TrendChartSVG.render(trend, analysis: analysis))
            chartPaths.append(path)
            sections.append(BenchmarkReportMarkdown.Section(trend: trend, analysis: analysis, chartPath: name))
        }
        let markdownPath = directory + "/" + markdownFileName
        try writeFile(markdownPath, BenchmarkReportMarkdown.render(title: title, sections: sections))
        return Output(markdownPath: markdownPath, chartPaths: chartPaths)
    }

    /// A file name per trend: `JOB--METRIC--CLASS.svg` with anything but letters, digits, `.`,
    /// `_` and `-` replaced by `_` and each part cut to 38 bytes; names that would clash (also by case, for
    /// case-insensitive file systems) get `-2`, `-3`, … before the extension.
    public static func chartFileNames(for trends: [BenchmarkTrend]) -> [String] {
        var used = Set<String>()
        var names: [String] = []
        for trend in trends {
            let base = safe(trend.job) + "--" + safe(trend.metric) + "--" + safe(trend.machineClass)
            var name = base + ".svg", n = 1
            while used.contains(name.lowercased()) {
                n += 1
                name = base + "-\(n).svg"
            }
            used.insert(name.lowercased())
            names.append(name)
        }
        return names
    }

    /// `raw` as a file-name fragment: never empty, never hidden, never a path.
    static func safe(_ raw: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "." || scalar == "_" || scalar == "-"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        if out.isEmpty { out = "_" }
        return String(out.prefix(38))
    }

    private static func makeDirectories(_ path: String) throws(BenchmarkReportError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw failure(current, "mkdir")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure(path, "stat") }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .cannotWrite(path: path, operation: "mkdir", errno: ENOTDIR, reason: String(cString: strerror(ENOTDIR)))
        }
    }

    private static func writeFile(_ path: String, _ text: String) throws(BenchmarkReportError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(temporary, "open") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let error = failure(temporary, "write")
                close(fd); unlink(temporary)
                throw error
            }
            offset += n
        }
        guard close(fd) == 0 else {
            let error = failure(temporary, "close")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "rename")
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ path: String, _ operation: String) -> BenchmarkReportError {
        let code = errno
        return .cannotWrite(path: path, operation: operation, errno: code, reason: String(cString: strerror(code)))
    }
}

/// `write(2)`; outside the enum, whose `write(title:…)` would hide it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
