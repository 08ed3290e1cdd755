import FlotillaTLS

/// `flotilla pki init|issue`: the fleet CA and peer certificates.
enum PKICommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        guard let sub = arguments.first else {
            throw UsageError(command: "pki", message: "missing subcommand: init or issue")
        }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "init":
            let args = try ArgumentList(command: "pki init", arguments: rest, valueOptions: ["dir", "host"],
                                        flagOptions: ["force"])
            try args.noExtraPositionals(after: 0)
            let dir = try args.required("dir", "DIR (where the CA and coordinator certificate go)")
            let hosts = args.values("host").isEmpty ? PKI.defaultHosts : args.values("host")
            try PKI.initialize(directory: dir, hosts: hosts, overwrite: args.flag("force"))
            printLine("created fleet CA and coordinator certificate in \(dir) (hosts: \(hosts.joined(separator: ", ")))")
            return ExitCode.success
        case "issue":
            let args = try ArgumentList(command: "pki issue", arguments: rest, valueOptions: ["dir", "role", "name", "host"],
                                        flagOptions: [])
            try args.noExtraPositionals(after: 0)
            let dir = try args.required("dir", "DIR (a directory made by 'flotilla pki init')")
            let role = try args.required("role", "agent|client")
            guard role == "agent" || role == "client" || role == "coordinator" else {
                throw UsageError(command: "pki issue", message: "--role must be agent or client, got '\(role)'")
            }
            let name = try args.required("name", "NAME")
            try PKI.issue(directory: dir, role: role, name: name, hosts: args.values("host"))
            let paths = PKI.paths(directory: dir, role: role, name: name)
            printLine("issued \(role) certificate for '\(name)': \(paths.certificate), key \(paths.key)")
            return ExitCode.success
        default:
            throw UsageError(command: "pki", message: "unknown subcommand '\(sub)' (expected init or issue)")
        }
    }
}
