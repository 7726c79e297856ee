import Config
import Testing

@Suite("Configuration: record size limits")
struct RecordLimitTests {
    func failure(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try BridgeConfiguration.parse(yaml: yaml)
            return nil
        } catch { return error }
    }

    @Test("the largest record follows bridge.maxEventBytes with 64 KiB of header room")
    func derived() throws {
        #expect(try BridgeConfiguration.parse(yaml: "").bridge.maxRecordBytes == 1_048_576 + 65_536)
        #expect(
            try BridgeConfiguration.parse(yaml: "bridge: {maxEventBytes: 4096}").bridge.maxRecordBytes == 4096 + 65_536)
    }

    @Test("maxEventBytes above 64 MiB is rejected")
    func tooLarge() {
        #expect(failure("bridge: {maxEventBytes: 67108865}")?.key == "bridge.maxEventBytes")
        #expect(failure("bridge: {maxEventBytes: 67108864}") == nil)
    }

    @Test("a message.max.bytes in kafka.properties below what the bridge writes is rejected, naming both keys")
    func producerLimitBelowEvents() {
        let error = failure("kafka: {properties: {message.max.bytes: '1000000'}}")
        #expect(error?.key == "kafka.properties.message.max.bytes")
        #expect(error?.problem.contains("bridge.maxEventBytes") == true, "\(String(describing: error))")
        #expect(
            failure("kafka: {properties: {message.max.bytes: 'many'}}")?.key == "kafka.properties.message.max.bytes")
        #expect(failure("kafka: {properties: {message.max.bytes: '2000000'}}") == nil)
        #expect(failure("bridge: {maxEventBytes: 900000}\nkafka: {properties: {message.max.bytes: '1000000'}}") == nil)
    }
}
