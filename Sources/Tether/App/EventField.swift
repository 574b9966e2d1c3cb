/// A field of the DOM event that a `page.callback` passes to its method, after the
/// callback's own arguments: `page.callback("typed", event: [.key, .targetValue])` calls
/// `typed(event.key, event.target.value)`. A field the event lacks arrives as `null`.
public struct EventField: Sendable, Hashable {
    /// The property names from the event down (`["target", "value"]`).
    public let path: [String]

    /// Any field by its path: `EventField("target", "dataset", "id")`.
    public init(_ path: String...) { self.path = path }

    public static let key = EventField("key")
    public static let code = EventField("code")
    public static let type = EventField("type")
    public static let clientX = EventField("clientX")
    public static let clientY = EventField("clientY")
    public static let button = EventField("button")
    public static let shiftKey = EventField("shiftKey")
    public static let ctrlKey = EventField("ctrlKey")
    public static let altKey = EventField("altKey")
    public static let metaKey = EventField("metaKey")
    public static let targetID = EventField("target", "id")
    public static let targetValue = EventField("target", "value")
    public static let targetChecked = EventField("target", "checked")
}
