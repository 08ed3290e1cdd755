#if canImport(Glibc)
import Glibc

/// glibc functions Swift's Glibc module does not export (they sit behind `_GNU_SOURCE`),
/// looked up once at run time. Each is optional so older C libraries degrade gracefully:
/// without `pidfd_open` exits are polled, without `pipe2` CLOEXEC is set right after `pipe`.
struct LinuxProcessSymbols: @unchecked Sendable {
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    let pidfdOpen: PidfdOpen?
    let pipe2: Pipe2?
    let addChdir: AddChdir?
    let addClosefrom: AddClosefrom?

    static let shared = LinuxProcessSymbols()

    private init() {
        let handle = dlopen(nil, RTLD_NOW)
        func lookup<F>(_ name: String, as type: F.Type) -> F? {
            guard let symbol = dlsym(handle, name) else { return nil }
            return unsafeBitCast(symbol, to: type)
        }
        pidfdOpen = lookup("pidfd_open", as: PidfdOpen.self)
        pipe2 = lookup("pipe2", as: Pipe2.self)
        addChdir = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
        addClosefrom = lookup("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)
    }

    /// A pipe whose both ends are close-on-exec; nil (errno set) on failure.
    func closeOnExecPipe() -> (read: Int32, write: Int32)? {
        var descriptors: [Int32] = [-1, -1]
        if let pipe2 {
            guard pipe2(&descriptors, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&descriptors) == 0 else { return nil }
            _ = fcntl(descriptors[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptors[1], F_SETFD, FD_CLOEXEC)
        }
        return (descriptors[0], descriptors[1])
    }
}
#endif
