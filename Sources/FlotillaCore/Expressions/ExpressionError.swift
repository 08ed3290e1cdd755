/// A `${{ }}` expression that could not be parsed or evaluated.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset (in Characters) into the source text where the problem is.
    public var offset: Int
    /// What is wrong and what was expected.
    public var message: String

    public init(offset: Int, message: String) { self.offset = offset; self.message = message }

    /// `offset N: message`.
    public var description: String { "offset \(offset): \(message)" }
}
