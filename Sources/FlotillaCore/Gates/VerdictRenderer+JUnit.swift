extension VerdictRenderer {
    /// The gates as JUnit XML, for CI systems that display test reports: one `<testsuite>` named
    /// after the run, one `<testcase classname="flotilla.gates.KIND" name="GATE">` per gate.
    /// `fail` → `<failure>`, `error` → `<error>`, `skipped` → `<skipped/>`, `warn` passes with the
    /// warning in `<system-out>`, `pass` is an empty test case. Verdict and emergency flag are
    /// suite properties, and so is the number of flaky tests when there are any.
    public static func junit(_ verdict: Verdict) -> String {
        let gates = verdict.gates
        let failures = gates.filter { $0.status == .fail }.count
        let errors = gates.filter { $0.status == .error }.count
        let skipped = gates.filter { $0.status == .skipped }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuite name=\"\(xml("flotilla gates (run \(verdict.run))"))\" tests=\"\(gates.count)\" failures=\"\(failures)\" "
            + "errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"0\">\n"
        out += "  <properties>\n"
        out += "    <property name=\"verdict\" value=\"\(verdict.verdict.rawValue)\"/>\n"
        out += "    <property name=\"emergency\" value=\"\(verdict.emergency)\"/>\n"
        if !verdict.flakyTests.isEmpty {
            out += "    <property name=\"flaky_tests\" value=\"\(verdict.flakyTests.count)\"/>\n"
        }
        out += "  </properties>\n"
        for g in gates {
            let open = "  <testcase classname=\"flotilla.gates.\(g.kind.rawValue)\" name=\"\(xml(g.name))\" time=\"0\""
            let measured = g.value.isEmpty ? g.threshold : "\(g.value) (\(g.threshold))"
            switch g.status {
            case .pass:
                out += open + "/>\n"
            case .fail:
                out += open + ">\n    <failure message=\"\(xml(measured))\" type=\"\(g.kind.rawValue)\">\(xml(g.detail, attribute: false))</failure>\n  </testcase>\n"
            case .error:
                out += open + ">\n    <error message=\"\(xml(summary(g.detail)))\" type=\"\(g.kind.rawValue)\">\(xml(g.detail, attribute: false))</error>\n  </testcase>\n"
            case .skipped:
                out += open + ">\n    <skipped message=\"\(xml(g.detail))\"/>\n  </testcase>\n"
            case .warn:
                let why = g.blocking ? "gate warned" : "advisory gate did not pass"
                out += open + ">\n    <system-out>\(xml("\(why): \(measured)\n\(g.detail)", attribute: false))</system-out>\n  </testcase>\n"
            }
        }
        out += "</testsuite>\n"
        return out
    }

    private static func summary(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    }

    /// Escapes text for XML content or attribute values; characters XML cannot carry (most
    /// control characters) become U+FFFD. In attributes, line ends and tabs are written as
    /// character references so attribute-value normalization does not turn them into spaces.
    static func xml(_ s: String, attribute: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += attribute ? "&#10;" : "\n"
            case "\r": out += "&#13;"
            case "\t": out += attribute ? "&#9;" : "\t"
            default:
                out.unicodeScalars.append(XMLPullParser.isXMLChar(scalar.value) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
