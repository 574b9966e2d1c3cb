import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TetherHTTP

/// `PathConfinement.resolve` on a real temporary www: traversal, encodings, symlinks, dotfiles, directories.
final class PathConfinementTests: XCTestCase {
    private var site: TemporaryWWW?
    private var confinement: PathConfinement?

    override func setUpWithError() throws {
        let site = try TemporaryWWW()
        try site.write("index.html", "<h1>root</h1>")
        try site.write("page.html", "page")
        try site.write("sub/index.html", "sub index")
        try site.write("sub/style.css", "body{}")
        try site.write("sub/deeper/app.js", "1")
        try site.makeDirectory("empty")
        try site.write("noindex/a.txt", "a")
        try site.write(".env", "SECRET=1")
        try site.write(".git/config", "[core]")
        try site.write("sub/.hidden", "hidden")
        try site.symlink("outside-file", to: site.secretPath)
        try site.symlink("outside-relative", to: "../secret.txt")
        try site.symlink("outside-dir", to: site.base.path)
        try site.symlink("inside.css", to: "sub/style.css")
        try site.symlink("inside-dir", to: "sub")
        self.site = site
        confinement = try PathConfinement(root: site.wwwPath)
    }

    override func tearDown() {
        confinement = nil
        site = nil
    }

    private func resolve(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> PathConfinement.Resolution? {
        guard let confinement else {
            XCTFail("no confinement", file: file, line: line)
            return nil
        }
        return confinement.resolve(Substring(path))
    }

    private func assertFile(_ path: String, relative: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let confinement, let resolution = resolve(path, file: file, line: line) else { return }
        XCTAssertEqual(resolution, .file(absolute: confinement.root + "/" + relative, relative: relative),
                       path, file: file, line: line)
    }

    private func assertNotFound(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) {
        for path in paths {
            XCTAssertEqual(resolve(path, file: file, line: line), .notFound, path, file: file, line: line)
        }
    }

    private func assertMalformed(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) {
        for path in paths {
            guard case .malformed? = resolve(path, file: file, line: line) else {
                XCTFail("\(path) gave \(String(describing: resolve(path))), expected malformed", file: file, line: line)
                continue
            }
        }
    }

    // MARK: Plain files

    func testRootIsTheRealPathOfTheDirectory() throws {
        let site = try XCTUnwrap(site)
        XCTAssertEqual(confinement?.root, PathConfinement.realPath(site.wwwPath))
    }

    func testPlainFilesResolveInsideTheRoot() {
        assertFile("/page.html", relative: "page.html")
        assertFile("/sub/style.css", relative: "sub/style.css")
        assertFile("/sub/deeper/app.js", relative: "sub/deeper/app.js")
        assertFile("//sub///style.css", relative: "sub/style.css")
        assertFile("/./sub/./style.css", relative: "sub/style.css")
    }

    func testPercentEncodedNamesAreDecodedOnce() throws {
        try XCTUnwrap(site).write("a b.txt", "space")
        assertFile("/a%20b.txt", relative: "a b.txt")
        assertFile("/%73ub/%73tyle.css", relative: "sub/style.css")
    }

    func testMissingFileIsNotFound() {
        assertNotFound(["/nope.html", "/sub/nope.css", "/nope/"])
    }

    // MARK: Traversal

    func testDotDotAboveTheRootIsNotFound() {
        assertNotFound(["/../secret.txt", "/../../etc/passwd", "/sub/../../secret.txt", "/sub/deeper/../../../secret.txt",
                        "/./../secret.txt", "/..", "/../"])
    }

    func testDotDotThatStaysInsideTheRootIsResolvedLexically() {
        assertFile("/sub/../page.html", relative: "page.html")
        assertFile("/sub/deeper/../style.css", relative: "sub/style.css")
    }

    func testPercentEncodedDotDotIsNotFound() {
        assertNotFound(["/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
                        "/..%2Fsecret.txt", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/sub%2f..%2f..%2fsecret.txt",
                        "/.%2e/secret.txt"])
    }

    func testDoubleEncodedDotDotIsALiteralNameNeverTheParent() {
        // `%252e` decodes once to the three characters `%2e`: a name that does not exist.
        XCTAssertEqual(PathConfinement.percentDecode("%252e%252e"), Array("%2e%2e".utf8))
        assertNotFound(["/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt", "/sub/%252e%252e/%252e%252e/secret.txt"])
    }

    func testNULByteIsMalformed() {
        assertMalformed(["/%00", "/page.html%00.png", "/sub%00/style.css"])
    }

    func testBackslashesAreMalformed() {
        assertMalformed(["/..\\secret.txt", "/sub\\style.css", "/%5c..%5csecret.txt", "/..%5Csecret.txt"])
    }

    func testBadPercentEncodingIsMalformed() {
        assertMalformed(["/%", "/%2", "/%zz", "/a%g1", "/%2e%2"])
    }

    func testInvalidUTF8IsMalformed() {
        // `%c0%af` is the overlong `/` that once walked out of IIS roots.
        assertMalformed(["/%ff", "/%c0%af..%c0%afsecret.txt", "/%e2%82"])
    }

    // MARK: Symlinks

    func testSymlinkPointingOutsideTheRootIsNotFound() {
        assertNotFound(["/outside-file", "/outside-relative", "/outside-dir/secret.txt", "/outside-dir/", "/outside-dir"])
    }

    func testSymlinkPointingInsideTheRootIsServedAsItsTarget() {
        assertFile("/inside.css", relative: "sub/style.css")
        assertFile("/inside-dir/style.css", relative: "sub/style.css")
        assertFile("/inside-dir/", relative: "sub/index.html")
    }

    // MARK: Dotfiles

    func testDotfilesAndDotDirectoriesAreRefused() {
        assertNotFound(["/.env", "/.git/config", "/.git/", "/sub/.hidden", "/%2eenv", "/%2Egit/config", "/sub/%2ehidden"])
    }

    // MARK: Directories

    func testDirectoryWithoutTrailingSlashRedirectsToTheSlashForm() {
        XCTAssertEqual(resolve("/sub"), .redirect(location: "sub/"))
        XCTAssertEqual(resolve("/sub/deeper"), .redirect(location: "deeper/"))
        XCTAssertEqual(resolve("/empty"), .redirect(location: "empty/"))
    }

    func testDirectoryWithIndexServesTheIndex() {
        assertFile("/", relative: "index.html")
        assertFile("/sub/", relative: "sub/index.html")
        assertFile("/sub/..", relative: "index.html")
    }

    func testDirectoryWithoutIndexIsNotFoundNeverAListing() {
        assertNotFound(["/empty/", "/noindex/", "/sub/deeper/"])
    }

    func testSpecialFilesAreNotFound() throws {
        // Opening a FIFO would block the connection's thread forever.
        let site = try XCTUnwrap(site)
        XCTAssertEqual(mkfifo(site.www.appendingPathComponent("pipe.txt").path, 0o644), 0)
        assertNotFound(["/pipe.txt"])
    }

    // MARK: Root

    func testMissingRootIsRefused() throws {
        let site = try XCTUnwrap(site)
        let missing = site.base.appendingPathComponent("no-such-www").path
        XCTAssertThrowsError(try PathConfinement(root: missing)) { error in
            XCTAssertEqual(error as? StaticFilesError, .rootMissing(missing))
        }
        XCTAssertThrowsError(try PathConfinement(root: site.secretPath)) { error in
            XCTAssertEqual(error as? StaticFilesError, .rootNotDirectory(site.secretPath))
        }
    }
}

final class PathConfinementTrailingSlashTests: XCTestCase {
    func testFileNamedWithTrailingSlashIsNotFound() throws {
        let www = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: www) }
        try Data("<p>x</p>".utf8).write(to: www.appendingPathComponent("page.html"))
        let confinement = try PathConfinement(root: www.path)
        XCTAssertEqual(confinement.resolve("/page.html/"), .notFound)
        guard case .file = confinement.resolve("/page.html") else { return XCTFail("page.html not served") }
    }
}
