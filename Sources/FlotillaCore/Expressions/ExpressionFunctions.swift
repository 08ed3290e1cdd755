/// The built-in functions of GitHub Actions expressions that Flotilla supports.
enum ExpressionFunctions {
    static func call(_ name: String, _ args: [ExpressionValue], context: ExpressionContext) throws(ExpressionError) -> ExpressionValue {
        switch name {
        case "contains":
            if case .array(let items) = args[0] {
                return .bool(items.contains { ExpressionEvaluator.looselyEqual($0, args[1]) })
            }
            return .bool(args[0].stringValue.uppercased().contains(args[1].stringValue.uppercased()))
        case "startswith":
            return .bool(args[0].stringValue.uppercased().hasPrefix(args[1].stringValue.uppercased()))
        case "endswith":
            return .bool(args[0].stringValue.uppercased().hasSuffix(args[1].stringValue.uppercased()))
        case "format":
            return .string(try format(args[0].stringValue, Array(args.dropFirst())))
        case "join":
            let separator = args.count > 1 ? args[1].stringValue : ","
            if case .array(let items) = args[0] { return .string(items.map(\.stringValue).joined(separator: separator)) }
            return .string(args[0].stringValue)
        case "tojson":
            return .string(JSONWriter.pretty(args[0]))
        case "fromjson":
            do {
                return try JSONReader.parse(args[0].stringValue)
            } catch {
                throw ExpressionError(offset: 0, message: "fromJSON: \(error.message)")
            }
        case "success": return .bool(context.jobStatus == .success)
        case "failure": return .bool(context.jobStatus == .failure)
        case "cancelled": return .bool(context.jobStatus == .cancelled)
        case "always": return .bool(true)
        default:
            preconditionFailure("the parser accepted unknown function \(name)")
        }
    }

    /// `format('{0} and {{literal}}', x)`.
    static func format(_ template: String, _ args: [ExpressionValue]) throws(ExpressionError) -> String {
        var out = ""
        var chars = Substring(template)
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "{" {
                if chars.first == "{" { out.append("{"); chars = chars.dropFirst(); continue }
                let digits = chars.prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty, chars.dropFirst(digits.count).first == "}", let index = Int(digits) else {
                    throw ExpressionError(offset: 0, message: "format: invalid placeholder in '\(template)'; use {0}, {1}, … or {{ for a literal brace")
                }
                guard index < args.count else {
                    throw ExpressionError(offset: 0, message: "format: placeholder {\(index)} has no argument; \(args.count) given")
                }
                out += args[index].stringValue
                chars = chars.dropFirst(digits.count + 1)
            } else if c == "}" {
                guard chars.first == "}" else {
                    throw ExpressionError(offset: 0, message: "format: unmatched '}' in '\(template)'; use }} for a literal brace")
                }
                out.append("}"); chars = chars.dropFirst()
            } else {
                out.append(c)
            }
        }
        return out
    }
}
