extension Duration {
    /// The duration in whole milliseconds (sub-millisecond parts dropped), for APIs that count
    /// in them (librdkafka, HTTP timeouts, the sink's clock).
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds, fractions kept (for figures and messages).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
