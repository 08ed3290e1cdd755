#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `flotilla`: the one executable for users, coordinators and agents.
let arguments = Array(CommandLine.arguments.dropFirst())
let exitCode = FlotillaCommand.main(arguments)
exit(exitCode)
