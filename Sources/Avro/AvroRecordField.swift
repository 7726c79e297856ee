public struct AvroRecordField: Sendable, Equatable {
    public var name: String
    public var value: AvroValue
    public init(_ name: String, _ value: AvroValue) {
        self.name = name
        self.value = value
    }
}
