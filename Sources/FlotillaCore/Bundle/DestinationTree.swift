#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory a bundle is extracted into, reached only through `*at` calls on directory
/// descriptors opened with `O_NOFOLLOW`, so a symlink anywhere below the root stops the write.
final class DestinationTree {
    let path: String
    private let root: Int32
    /// The most recently used parent directory; entries arrive sorted, so siblings share it.
    private var cachedComponents: [String] = []
    private var cachedDescriptor: Int32

    init(path: String) throws(BundleError) {
        self.path = path
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .fileIO(path: path, call: "mkdir", errno: errno)
        }
        root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw .fileIO(path: path, call: "open", errno: errno) }
        cachedDescriptor = root
    }

    deinit {
        if cachedDescriptor != root { close(cachedDescriptor) }
        close(root)
    }

    /// A descriptor for the directory `components` below the root, creating missing ones.
    func directory(_ components: ArraySlice<String>, for location: BundleEntryLocation, bundle: String) throws(BundleError) -> Int32 {
        if components.elementsEqual(cachedComponents) { return cachedDescriptor }
        if cachedDescriptor != root { close(cachedDescriptor) }
        cachedDescriptor = root
        cachedComponents = []
        var current = root
        for component in components {
            var next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                if mkdirat(current, component, 0o755) != 0 && errno != EEXIST {
                    let code = errno
                    if current != root { close(current) }
                    throw .extractFailed(at: location, destination: path, call: "mkdirat", errno: code)
                }
                next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            if current != root { close(current) }
            guard next >= 0 else {
                if code == ELOOP || code == ENOTDIR {
                    throw .unsafeEntry(path: bundle, at: location, reason: "parent '\(component)' is a symlink or not a directory")
                }
                throw .extractFailed(at: location, destination: path, call: "openat", errno: code)
            }
            current = next
        }
        cachedDescriptor = current
        cachedComponents = Array(components)
        return current
    }

    /// Creates a new file for writing; refuses to replace or follow anything already there.
    func createFile(_ name: String, executable: Bool, in parent: Int32, for location: BundleEntryLocation,
                    bundle: String) throws(BundleError) -> Int32 {
        let descriptor = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                executable ? 0o755 : 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST || errno == ELOOP {
                throw .unsafeEntry(path: bundle, at: location, reason: "something already exists at this path")
            }
            throw .extractFailed(at: location, destination: path, call: "openat", errno: errno)
        }
        return descriptor
    }

    /// Creates a directory; an existing real directory is fine (it may have been implied earlier).
    func makeDirectory(_ name: String, in parent: Int32, for location: BundleEntryLocation) throws(BundleError) {
        if mkdirat(parent, name, 0o755) == 0 { return }
        let code = errno
        var info = stat()
        if code == EEXIST && fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && BundleSyscalls.isDirectory(info) {
            return
        }
        throw .extractFailed(at: location, destination: path, call: "mkdirat", errno: code)
    }

    /// Creates a symlink (its target was validated by the caller).
    func makeSymlink(_ name: String, target: String, in parent: Int32, for location: BundleEntryLocation) throws(BundleError) {
        guard symlinkat(target, parent, name) == 0 else {
            throw .extractFailed(at: location, destination: path, call: "symlinkat", errno: errno)
        }
    }
}
