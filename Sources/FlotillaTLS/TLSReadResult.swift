/// What ``TLSEngine/readPlaintext(into:maxBytes:)`` found.
public enum TLSReadResult: Equatable, Sendable {
    /// This many decrypted bytes were appended to the buffer.
    case bytes(Int)
    /// No complete record is buffered; feed more ciphertext first.
    case wantMoreInput
    /// The peer sent close_notify; no more application data will arrive.
    case closed
}
