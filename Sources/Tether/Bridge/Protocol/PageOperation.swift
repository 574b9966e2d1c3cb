/// One command for a page: what Swift asks the page script to do.
///
///     .assign(target: .member("innerHTML", of: .element("count")), value: .literal(.number("10")))
///     .run(.call(.global("alert"), [.literal(.string("hi"))]))
///     .read(.global("factor"))
public enum PageOperation: Sendable, Equatable {
    /// A plain write: `target = value`.
    case assign(target: JSExpression, value: JSExpression)
    /// A statement; its value is dropped.
    case run(JSExpression)
    /// An expression whose value goes back with the page's next poll.
    case read(JSExpression)

    /// The JavaScript the operation stands for, as the builder spells it: `a.b=1`.
    public var code: String {
        switch self {
        case .assign(let target, let value): target.code + "=" + value.code
        case .run(let expression), .read(let expression): expression.code
        }
    }

    /// Whether the page needs `eval` to apply it (raw code somewhere inside).
    public var needsEval: Bool {
        switch self {
        case .assign(let target, let value): target.needsEval || value.needsEval
        case .run(let expression), .read(let expression): expression.needsEval
        }
    }
}

extension PageOperation {
    /// `location.reload()`: the page loads again and gets a new session.
    public static let reload = PageOperation.run(.call(.member("reload", of: .global("location")), []))
}
