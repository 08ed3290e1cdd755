/// A value bound to a statement parameter: one of SQLite's five storage classes.
enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    /// An unsigned value stored by bit pattern, so every `UInt64` round-trips exactly.
    static func unsigned(_ value: UInt64) -> SQLValue { .integer(Int64(bitPattern: value)) }

    static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }

    static func optional(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }

    static func optional(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
}
