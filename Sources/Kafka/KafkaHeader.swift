/// A Kafka record header. A `nil` value is a header without a value.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    /// The value as it was given: bytes, or text whose UTF-8 bytes the value is (kept as the
    /// string, so that a header made of a string copies nothing until the record is produced).
    private var storage: Storage

    private enum Storage: Sendable {
        case bytes([UInt8]?)
        case text(String)
    }

    public var value: [UInt8]? {
        get {
            switch storage {
            case .bytes(let bytes): bytes
            case .text(let text): Array(text.utf8)
            }
        }
        set { storage = .bytes(newValue) }
    }

    public init(name: String, value: [UInt8]?) {
        self.name = name
        storage = .bytes(value)
    }

    public init(_ name: String, _ string: String) {
        self.name = name
        storage = .text(string)
    }

    /// The value as UTF-8 text, when it is present and valid UTF-8.
    public var stringValue: String? {
        switch storage {
        case .bytes(let bytes): bytes.flatMap { String(validating: $0, as: UTF8.self) }
        case .text(let text): text
        }
    }

    /// Calls `body` with the value's bytes (nil and 0 for no value), without copying them.
    func withValueBytes<Result>(_ body: (UnsafeRawPointer?, Int) -> Result) -> Result {
        switch storage {
        case .bytes(nil):
            return body(nil, 0)
        case .bytes(let bytes?):
            return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
        case .text(let text) where text.isEmpty:
            return [UInt8]().withUnsafeBytes { body($0.baseAddress, $0.count) }
        case .text(var text):
            return text.withUTF8 { body(UnsafeRawPointer($0.baseAddress), $0.count) }
        }
    }

    public static func == (left: KafkaHeader, right: KafkaHeader) -> Bool {
        left.name == right.name && left.value == right.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(value)
    }
}
