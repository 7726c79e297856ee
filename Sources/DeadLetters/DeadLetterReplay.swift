import Kafka
import Logging
import Payments

/// Re-publishes DLT records to the topic they came from: key, value and original headers, plus
/// `dlt.replayed.from`. Idempotent: each replayed record is noted in the DLT's replay ledger
/// (`<dlt>.replayed`, compacted, keyed by partition/offset) in the same Kafka transaction as the
/// record itself, and records already in the ledger are skipped.
///
/// A DLT's records go back only to the topic that DLT belongs to (its name without `.DLT`):
/// the `dlt.original.topic` header is checked against it, never followed, so a record written
/// to a DLT by anyone cannot be planted into another topic (another tenant's, which the sink
/// would sign and deliver). Records that name another topic are refused and reported.
///
/// The replay's transactional id is registered (fencing any other replay of the same DLT, and
/// ending the transaction a crashed one left open) before the ledger is read: two replays
/// cannot both publish a record, and a crashed replay does not hold up the next.
public struct DeadLetterReplay: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var selected = 0
        public var published = 0
        /// Selected, but replayed before.
        public var alreadyReplayed = 0
        /// Selected, but naming another topic than the DLT's own (or none): not published.
        public var refused: [String] = []
    }

    public let kafka: KafkaConfiguration
    public let logger: Logger
    /// The largest record the replay writes (`message.max.bytes`): the service's limit, so that
    /// what the service wrote can be written again.
    public let maxRecordBytes: Int?

    public init(kafka: KafkaConfiguration, maxRecordBytes: Int? = nil, logger: Logger) {
        self.kafka = kafka
        self.maxRecordBytes = maxRecordBytes
        self.logger = logger
    }

    public static func ledger(of topic: String) -> String { "\(topic).replayed" }

    /// The record to publish for a DLT entry, or why it is not published: its
    /// `dlt.original.topic` must name the topic its DLT belongs to.
    public static func republished(_ entry: DeadLetterEntry) -> Result<ProducerRecord, Refusal> {
        guard let target = PaymentTopics.source(ofDeadLetter: entry.record.topic) else {
            return .failure(Refusal("\(entry.coordinates): '\(entry.record.topic)' is not a dead-letter topic"))
        }
        guard let named = entry.originalTopic else {
            return .failure(Refusal("\(entry.coordinates): no \(DeadLetterHeader.originalTopic) header"))
        }
        guard named == target else {
            return .failure(
                Refusal(
                    "\(entry.coordinates): \(DeadLetterHeader.originalTopic) names '\(named)', "
                        + "but records of \(entry.record.topic) go back only to '\(target)'"))
        }
        guard entry.record.value != nil else {
            return .failure(
                Refusal(
                    "\(entry.coordinates): the dead letter kept no value (Kafka refused it; see "
                        + "\(DeadLetterHeader.error)), so there is nothing to replay"))
        }
        var headers = entry.originalHeaders
        headers.append(KafkaHeader(DeadLetterHeader.replayedFrom, entry.coordinates))
        return .success(
            ProducerRecord(topic: target, key: entry.record.key, value: entry.record.value, headers: headers))
    }

    /// Why a DLT record is not replayed.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public func run(
        topic: String, entries: [DeadLetterEntry], selection: ReplaySelection,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Outcome {
        let ledgerTopic = Self.ledger(of: topic)
        var outcome = Outcome()
        let selected = entries.filter(selection.matches)
        outcome.selected = selected.count
        guard !selected.isEmpty else { return outcome }
        var todo: [(key: String, record: ProducerRecord)] = []
        for entry in selected {
            switch Self.republished(entry) {
            case .success(let record):
                todo.append(("\(entry.record.partition)/\(entry.record.offset)", record))
            case .failure(let refusal):
                logger.warning("DLT record not replayed", metadata: ["reason": "\(refusal)"])
                outcome.refused.append(refusal.description)
            }
        }
        let published = try await LedgeredPublisher(kafka: kafka, maxRecordBytes: maxRecordBytes, logger: logger)
            .publish(
                todo, ledger: ledgerTopic, transactionalID: "payments-bridge-dlt-replay.\(topic)", progress: progress)
        outcome.published = published.published
        outcome.alreadyReplayed = published.already
        return outcome
    }
}
