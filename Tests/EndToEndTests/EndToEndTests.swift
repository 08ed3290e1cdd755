import Testing

/// End-to-end tests: the real `flotilla` binary as separate processes over loopback TLS.
///
/// Serialized because every test starts coordinators, agents and job processes on a
/// machine with few cores; run side by side they would compete for CPU and make heartbeat
/// timing the thing under test. Each test's processes are killed by pid when it ends.
@Suite("End to end", .serialized)
struct EndToEndTests {}
