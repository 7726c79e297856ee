extension Array where Element == KafkaHeader {
    /// The last value of the header `name` (later headers override earlier ones, as in Kafka clients).
    public func last(named name: String) -> KafkaHeader? { self.last { $0.name == name } }
}
