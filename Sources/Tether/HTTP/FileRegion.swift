#if canImport(Glibc)
import Glibc
#endif

/// A regular file opened for a response: its descriptor stays open until the last response
/// holding it is gone, so what is sent is the file that was checked, even if it is replaced.
public final class OpenFile: Sendable {
    public let descriptor: Int32
    /// Size when opened (`fstat`).
    public let size: Int
    /// Validator made of inode, size and modification time (strong).
    public let etag: String

    /// Why a file could not be opened.
    public enum OpenError: Error, Equatable {
        /// Missing, not a regular file, or not readable: 404.
        case notFound
        /// The process or system is out of descriptors (EMFILE, ENFILE): 503.
        case outOfDescriptors(errno: Int32)
    }

    public init(path: String) throws(OpenError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw code == EMFILE || code == ENFILE ? .outOfDescriptors(errno: code) : .notFound
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notFound
        }
        descriptor = fd
        size = Int(info.st_size)
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        etag = "\"\(String(info.st_ino, radix: 16))-\(String(size, radix: 16))-\(String(mtime, radix: 16))\""
    }

    deinit { close(descriptor) }

    /// The whole file.
    public var all: FileRegion { FileRegion(file: self, offset: 0, length: size) }
}

/// `length` bytes of an open file from `offset`: a response body that a writer can stream
/// (`pread`, `sendfile`) instead of holding in memory.
public struct FileRegion: Sendable {
    public let file: OpenFile
    public let offset: Int
    public let length: Int

    public init(file: OpenFile, offset: Int, length: Int) {
        self.file = file
        self.offset = offset
        self.length = length
    }

    /// The region's bytes; fewer if the file shrank since it was opened.
    public func read() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(file.descriptor, buffer.baseAddress! + done, length - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            done += got
        }
        if done < length { bytes.removeLast(length - done) }
        return bytes
    }
}
