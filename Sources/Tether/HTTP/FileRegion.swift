#if canImport(Glibc)
import Glibc
#endif

/// Bytes of an open file sent as a response body: streamed by the I/O thread with
/// `sendfile` as the socket takes them, never read whole into memory. Closes the file when
/// the last response holding it is gone.
public final class FileRegion: Sendable {
    let descriptor: Int32
    /// Where the body starts in the file, and how many bytes it has.
    public let offset: Int
    public let length: Int

    /// Takes ownership of `descriptor` (an open regular file).
    init(descriptor: Int32, offset: Int, length: Int) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }

    /// The same file, another part of it (a `Range` request), sharing the open descriptor.
    private init(sharing other: FileRegion, offset: Int, length: Int) {
        descriptor = dup(other.descriptor)
        self.offset = offset
        self.length = length
    }

    public func slice(offset: Int, length: Int) -> FileRegion {
        FileRegion(sharing: self, offset: self.offset + offset, length: max(0, min(length, self.length - offset)))
    }

    deinit { Glibc.close(descriptor) }

    /// The whole region read into memory (for small files the server changes, such as HTML
    /// pages that get the page script); nil when the file cannot be read.
    public func readAll() -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, length - done, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            done += got
        }
        if done < length { return nil }
        return bytes
    }
}
