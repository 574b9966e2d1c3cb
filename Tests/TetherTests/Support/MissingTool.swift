import Foundation
import XCTest

/// A tool a test needs is not installed: the test is skipped with the reason locally, and
/// fails in CI (`CI=true`), where `.ci/run` installs every tool and a missing one is a defect.
func missingTool(_ reason: String, skipping what: String) throws -> Never {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("CI=true: \(reason)")
        throw XCTSkip(reason)
    }
    print("skipping \(what): \(reason)")
    throw XCTSkip(reason)
}
