import DeadLetters
import Foundation
import Dispatch
import Kafka
import Logging
import Metrics
import Payments
import ServiceLifecycle
import Synchronization

/// Delivers the response records of webhook tenants as signed HTTP requests.
///
/// Per partition, records of different payments are delivered concurrently while the records of
/// one payment go strictly one after another. A record that fails with a retriable outcome is
/// written to the retry log (`RetryLog`) together with every later record of the same payment,
/// and only then does the committed offset move past them: other payments keep flowing, a
/// restart or rebalance loses nothing, and the retries resume in order from the log.
public final class WebhookSink: Service, Sendable {
    public struct Tenant: Sendable {
        public var endpoint: WebhookEndpoint.Settings
        /// Only these event types are delivered (others are skipped and counted); nil = all.
        public var eventTypes: Set<PaymentEventType>?

        public init(endpoint: WebhookEndpoint.Settings, eventTypes: Set<PaymentEventType>? = nil) {
            self.endpoint = endpoint
            self.eventTypes = eventTypes
        }

        public var id: String { endpoint.tenantID }
    }

    public struct Configuration: Sendable {
        public var consumerGroup = "payments-webhook-sink"
        public var tenants: [Tenant]
        public var retry: RetryPolicy
        /// The retry log; `<consumerGroup>.retries` when nil.
        public var retryTopic: String?
        public var retryTopicPartitions = 3
        public var replicationFactor = 3
        /// Topics to create when missing before subscribing (the tenants' response topics and DLTs).
        public var topics: [TopicSpecification] = []
        /// A partition is paused while this many of its records are read but unfinished.
        public var maxOutstandingPerPartition = 2000
        /// How much the consumer fetches ahead (librdkafka's queue, in KiB).
        public var prefetchKilobytes = 32_768
        public var commitInterval: Duration = .milliseconds(500)
        /// How often the consumer lag gauge is refreshed.
        public var lagInterval: Duration = .seconds(10)
        public var sessionTimeout: Duration = .seconds(10)
        public var maxPollInterval: Duration = .seconds(300)

        public init(tenants: [Tenant], retry: RetryPolicy) {
            self.tenants = tenants
            self.retry = retry
        }

        var retryLogTopic: String { retryTopic ?? RetryLog.topic(forGroup: consumerGroup) }
    }

    /// Delivery counts since start (for the demo summary and tests; metrics carry the same).
    public struct Totals: Sendable, Equatable {
        public var delivered = 0
        public var retriesScheduled = 0
        public var deadLettered = 0
        public var filtered = 0
        public init() {}
    }

    private struct State {
        var partitions: [TopicPartition: PartitionProgress] = [:]
        var toLoad: Set<TopicPartition> = []
        var generation = 0
        var workers: [Int: Task<Void, Never>] = [:]
        var nextWorker = 0
        var joined = false
        var failure: String?
        /// Set while records wait for a writer's schema the registry does not serve.
        var registryOutage: String?
        var goneEndpoints: Set<String> = []
        var totals = Totals()
    }

    public let configuration: Configuration
    private let kafka: KafkaConfiguration
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let admin: KafkaAdmin
    private let decoder: PaymentResponseDecoder
    private let endpoints: [String: WebhookEndpoint]
    private let tenants: [String: Tenant]
    private let clock: SinkClock
    private let metrics: WebhookMetrics
    private let logger: Logger
    private let state = Mutex(State())

    public init(configuration: Configuration, kafka: KafkaConfiguration, decoder: PaymentResponseDecoder,
                clock: SinkClock = SystemSinkClock(), metricsFactory: MetricsFactory = MetricsSystem.factory,
                logger: Logger) throws {
        self.configuration = configuration
        self.kafka = kafka
        self.decoder = decoder
        self.clock = clock
        self.logger = logger
        metrics = WebhookMetrics(factory: metricsFactory)
        var endpoints: [String: WebhookEndpoint] = [:]
        for tenant in configuration.tenants {
            endpoints[tenant.id] = try WebhookEndpoint(settings: tenant.endpoint, now: clock.now())
        }
        self.endpoints = endpoints
        tenants = Dictionary(uniqueKeysWithValues: configuration.tenants.map { ($0.id, $0) })
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: configuration.consumerGroup)
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.maxPollInterval = configuration.maxPollInterval
        consumerConfiguration.prefetchKilobytes = configuration.prefetchKilobytes
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.linger = .milliseconds(1)
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let relay = SinkRebalanceRelay()
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger,
                                     onRebalance: { relay.forward($0) })
        relay.target = self
    }

    /// Ready once the consumer joined its group and the retry log of its partitions is loaded.
    public var readiness: (ready: Bool, reason: String?) {
        state.withLock { s in
            if let failure = s.failure { return (false, "webhook sink: \(failure)") }
            if !s.joined { return (false, "webhook sink: waiting for partition assignment") }
            if !s.toLoad.isEmpty { return (false, "webhook sink: loading pending retries") }
            if let outage = s.registryOutage { return (false, "webhook sink: paused, \(outage)") }
            if decoder.isWaitingForRegistry { return (false, "webhook sink: waiting for the schema registry") }
            return (true, nil)
        }
    }

    public var totals: Totals { state.withLock { $0.totals } }

    /// The regular expression subscription of a tenant: its response topic on every channel
    /// (the bridge routes each event by its own channel).
    static func subscription(forTenant tenant: String) -> String {
        let channels = PaymentChannel.allCases.map(\.topicFragment).joined(separator: "|")
        let escaped = tenant.replacingOccurrences(of: ".", with: "\\.")
        return "^payments\\.responses\\.(\(channels))\\.\(escaped)$"
    }

    /// The tenant and channel of a response topic.
    static func route(of topic: String) -> (tenant: String, channel: PaymentChannel)? {
        let parts = topic.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "payments", parts[1] == "responses",
              let channel = PaymentChannel(topicFragment: parts[2]) else { return nil }
        return (String(parts[3]), channel)
    }

    // MARK: Main loop

    public func run() async throws {
        await ensureTopics()
        let subscriptions = configuration.tenants.map { Self.subscription(forTenant: $0.id) }
        try consumer.subscribe(subscriptions)
        logger.info("webhook sink consuming", metadata: ["tenants": "\(configuration.tenants.map(\.id))",
                                                         "group": "\(configuration.consumerGroup)"])
        let committer = Task { await commitPeriodically() }
        let lagReporter = Task { [consumer, metrics, configuration] in
            await consumer.reportLag(every: configuration.lagInterval) { partition, records in
                metrics.consumerLag(group: configuration.consumerGroup, topic: partition.topic, partition: partition.partition,
                                    records: records)
            }
        }
        do {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let records = await consumer.poll(timeout: .milliseconds(100))
                try await loadAssignedPartitions()
                for record in records { await accept(record) }
                try managePauses()
            }
        } catch {
            logger.error("webhook sink stopped", metadata: ["error": "\(error)"])
            state.withLock { $0.failure = "\(error)" }
        }
        committer.cancel()
        lagReporter.cancel()
        await stopWorkers()
        await commit()
        await consumer.close()
        await producer.close()
        for endpoint in endpoints.values { await endpoint.shutdown() }
        logger.info("webhook sink stopped")
    }

    private func ensureTopics() async {
        var specs = configuration.topics
        specs.append(TopicSpecification(name: configuration.retryLogTopic, partitions: configuration.retryTopicPartitions,
                                        replicationFactor: configuration.replicationFactor,
                                        config: ["cleanup.policy": "compact"]))
        do {
            let created = try await admin.createTopics(specs)
            if !created.isEmpty { logger.info("created topics", metadata: ["topics": "\(created.joined(separator: ", "))"]) }
        } catch {
            logger.warning("could not create topics; relying on the broker's auto-creation", metadata: ["error": "\(error)"])
        }
    }

    /// Reads the retry log for partitions assigned since the last poll, before any of their
    /// records is handled, so pending retries come first in their payments' queues.
    private func loadAssignedPartitions() async throws {
        let toLoad = state.withLock { $0.toLoad }
        guard !toLoad.isEmpty else { return }
        var loaded: [TopicPartition: [PendingDelivery]] = [:]
        while true {
            do {
                loaded = try await RetryLog.load(topic: configuration.retryLogTopic, for: toLoad, kafka: kafka, logger: logger)
                break
            } catch {
                logger.warning("cannot read the retry log yet; trying again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
        var queued: [(TopicPartition, QueuedDelivery)] = []
        for (partition, entries) in loaded {
            for pending in entries {
                guard let route = Self.route(of: partition.topic) else { continue }
                switch await decodeWaitingForRegistry(pending.record, channel: route.channel) {
                case nil:
                    throw CancellationError()
                case .success(let response):
                    queued.append((partition, QueuedDelivery(tenant: route.tenant, pending: pending, response: response, inLog: true)))
                case .failure(let error):
                    // It was decodable when it was logged; a missing schema now must not lose it.
                    logger.error("a pending retry cannot be decoded; it stays in the retry log",
                                 metadata: ["entry": "\(pending.logKey)", "error": "\(error)"])
                }
            }
        }
        let starts = state.withLock { s -> [(TopicPartition, String)] in
            for (partition, item) in queued {
                guard s.partitions[partition] != nil else { continue }
                let key = Self.paymentKey(item.pending.record)
                s.partitions[partition]!.queues[key, default: []].append(item)
                s.partitions[partition]!.loggedUpTo[key] = max(s.partitions[partition]!.loggedUpTo[key] ?? .min,
                                                               item.pending.record.offset)
            }
            s.toLoad.subtract(toLoad)
            var starts: [(TopicPartition, String)] = []
            for partition in toLoad {
                guard let progress = s.partitions[partition] else { continue }
                for key in progress.queues.keys where !progress.active.contains(key) {
                    s.partitions[partition]!.active.insert(key)
                    starts.append((partition, key))
                }
            }
            return starts
        }
        if !queued.isEmpty {
            logger.info("pending retries loaded", metadata: ["records": "\(queued.count)"])
        }
        for (partition, key) in starts { startWorker(partition: partition, key: key) }
    }

    static func paymentKey(_ record: ConsumerRecord) -> String {
        if let key = record.key { return String(decoding: key, as: UTF8.self) }
        return "\u{0}\(record.offset)"   // no key, no ordering to keep
    }

    /// Takes one record from a response topic into its payment's queue.
    private func accept(_ record: ConsumerRecord) async {
        let partition = record.topicPartition
        guard state.withLock({ s in
            guard s.partitions[partition] != nil else { return false }
            s.partitions[partition]!.read(record.offset)
            return true
        }) else { return }
        guard let route = Self.route(of: record.topic), let tenant = tenants[route.tenant] else {
            finish(partition, record.offset)
            return
        }
        let response: PaymentResponse
        switch await decodeWaitingForRegistry(record, channel: route.channel) {
        case nil:
            return   // stopping: the offset stays unfinished, so the record is read again
        case .success(let decoded):
            response = decoded
        case .failure(let error):
            let now = clock.now()
            do {
                try await deadLetter(record, tenant: tenant.id,
                                     cause: DeadLetterCause(reason: .decodeError, error: "\(error)", attempts: 0,
                                                            firstAttempt: .init(milliseconds: now)))
                finish(partition, record.offset)
            } catch {}   // stopping: the offset stays unfinished, so the record is read again
            return
        }
        if let filter = tenant.eventTypes, !filter.contains(response.eventType) {
            metrics.filtered(tenant: tenant.id, eventType: response.eventType.rawValue)
            state.withLock { $0.totals.filtered += 1 }
            finish(partition, record.offset)
            return
        }
        let key = Self.paymentKey(record)
        var item = QueuedDelivery(tenant: tenant.id, pending: PendingDelivery(record: record), response: response, inLog: false)
        enum Next { case none, duplicate, start, handOff }
        let next = state.withLock { s -> Next in
            // Mutated in place: a copy of the partition's queues would cost a copy per record.
            (s.partitions[partition]?.enqueue(&item, key: key)).map { outcome in
                switch outcome {
                case .duplicate: .duplicate
                case .queued: .none
                case .startWorker: .start
                case .handOff: .handOff
                }
            } ?? .none
        }
        switch next {
        case .none: break
        case .duplicate: finish(partition, record.offset)
        case .start: startWorker(partition: partition, key: key)
        case .handOff: await handOff([item.pending], partition: partition, key: key)
        }
    }

    /// Decodes a record. While the registry holding its writer's schema does not answer, reading
    /// pauses and the lookup is tried again (later records must not overtake this one, and the
    /// record is not at fault). Nil when the sink is stopping.
    private func decodeWaitingForRegistry(_ record: ConsumerRecord, channel: PaymentChannel) async
        -> Result<PaymentResponse, DecodeError>? {
        var backoff: Duration = .milliseconds(500)
        while true {
            do {
                let response = try await decoder.decode(record.value, channel: channel)
                let recovered = state.withLock { s in defer { s.registryOutage = nil }; return s.registryOutage != nil }
                if recovered { logger.info("schema registry answers again; reading resumes") }
                return .success(response)
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return nil }
                guard error.isTransient else { return .failure(error) }
                let first = state.withLock { s in defer { s.registryOutage = error.description }; return s.registryOutage == nil }
                if first {
                    logger.warning("schema registry unreachable; reading paused until it answers",
                                   metadata: ["topic": "\(record.topic)", "error": "\(error)"])
                }
                do { try await Task.sleep(for: backoff) } catch { return nil }
                backoff = min(backoff * 2, .seconds(10))
            }
        }
    }

    private func finish(_ partition: TopicPartition, _ offset: Int64) {
        state.withLock { s in s.partitions[partition]?.finish(offset) }
    }

    private func managePauses() throws {
        let limit = configuration.maxOutstandingPerPartition
        let (pause, resume) = state.withLock { s -> ([TopicPartition], [TopicPartition]) in
            var pause: [TopicPartition] = [], resume: [TopicPartition] = []
            for (partition, progress) in s.partitions {
                if !progress.paused, progress.outstanding >= limit {
                    s.partitions[partition]!.paused = true
                    pause.append(partition)
                } else if progress.paused, progress.outstanding < limit / 2 {
                    s.partitions[partition]!.paused = false
                    resume.append(partition)
                }
            }
            return (pause, resume)
        }
        if !pause.isEmpty { try consumer.pause(pause) }
        if !resume.isEmpty { try consumer.resume(resume) }
    }

    // MARK: Per-payment workers

    private func startWorker(partition: TopicPartition, key: String) {
        state.withLock { s in
            let generation = s.partitions[partition]?.generation ?? -1
            let id = s.nextWorker
            s.nextWorker += 1
            s.workers[id] = Task { [self] in
                await deliverQueue(partition: partition, key: key, generation: generation)
                _ = state.withLock { $0.workers.removeValue(forKey: id) }
            }
        }
    }

    /// Delivers the queue of one payment in order until it is empty (or the partition is revoked).
    private func deliverQueue(partition: TopicPartition, key: String, generation: Int) async {
        while !Task.isCancelled {
            let head = state.withLock { s -> QueuedDelivery? in
                guard s.partitions[partition]?.generation == generation else { return nil }
                guard let first = s.partitions[partition]!.queues[key]?.first else {
                    s.partitions[partition]!.queues[key] = nil
                    s.partitions[partition]!.active.remove(key)
                    return nil
                }
                return first
            }
            guard let item = head else { return }
            do {
                try await deliver(item, partition: partition, key: key, generation: generation)
            } catch {
                return   // cancelled: the partition was revoked or the sink is stopping
            }
        }
    }

    private func deliver(_ item: QueuedDelivery, partition: TopicPartition, key: String, generation: Int) async throws {
        let tenantID = item.tenant
        guard let endpoint = endpoints[tenantID] else { return }
        // Its own retry-log entry must be written before a newer version of it can be.
        while state.withLock({ $0.partitions[partition]?.queues[key]?.first?.handingOff == true }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let wait = item.pending.due - clock.now()
        if wait > 0 { try await clock.sleep(milliseconds: wait) }
        if state.withLock({ $0.goneEndpoints.contains(tenantID) }) {
            let now = clock.now()
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: cause(
                item, reason: .endpointGone, error: "endpoint answered 410 Gone earlier; not sent", status: 410, now: now))
            return
        }
        switch try await admit(endpoint, isRetry: item.pending.attempts > 0) {
        case .admitted:
            break
        case .slotMissed:
            try await skipRetrySlot(item, partition: partition, key: key, generation: generation)
            return
        }
        await endpoint.inFlight.acquire()
        let started = clock.now()
        let result = await endpoint.attempt(body: item.body, eventID: item.eventID,
                                            correlationID: item.correlationID, now: started)
        endpoint.inFlight.release()
        let now = clock.now()
        metrics.attempt(tenant: tenantID, milliseconds: now - started)
        try Task.checkCancellation()
        switch result {
        case .delivered:
            endpoint.breaker.recordSuccess()
            metrics.delivery(tenant: tenantID, outcome: .delivered)
            state.withLock { $0.totals.delivered += 1 }
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: nil)
        case .retriable(let status, let retryAfter, let error):
            endpoint.breaker.recordFailure(now: now)
            var pending = item.pending
            pending.attempts += 1
            pending.firstAttempt = pending.firstAttempt ?? started
            pending.lastAttempt = started
            pending.lastError = error
            pending.lastStatus = status
            try await retryLater(item, as: pending, retryAfter: retryAfter, exhaustedError: "retries exhausted; last error: \(error)",
                                 now: now, partition: partition, key: key, generation: generation)
        case .gone:
            endpoint.breaker.recordSuccess()
            state.withLock { _ = $0.goneEndpoints.insert(tenantID) }
            logger.error("webhook endpoint answered 410 Gone; its records are dead-lettered until it is re-enabled",
                         metadata: ["tenant": "\(tenantID)"])
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: cause(
                item, reason: .endpointGone, error: "HTTP 410 Gone", status: 410, now: now, attemptAt: started))
        case .refused(let status, let error):
            endpoint.breaker.recordSuccess()
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: cause(
                item, reason: .httpStatus, error: error, status: status, now: now, attemptAt: started))
        case .blocked(let reason):
            logger.warning("webhook endpoint blocked", metadata: ["tenant": "\(tenantID)", "reason": "\(reason)"])
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: cause(
                item, reason: .endpointBlocked, error: reason, status: nil, now: now, attemptAt: started))
        }
    }

    /// A retry waited for its endpoint's circuit longer than the circuit's longest pause: the
    /// endpoint is known to be failing, so no request is sent, but the slot counts, and the
    /// record moves to its next slot (or is dead-lettered at the end of the schedule) as if it
    /// had been tried (`dlt.attempts` counts only requests sent).
    private func skipRetrySlot(_ item: QueuedDelivery, partition: TopicPartition, key: String, generation: Int) async throws {
        var pending = item.pending
        pending.skipped += 1
        try await retryLater(item, as: pending, exhaustedError:
            "retries exhausted (the endpoint kept failing; \(pending.skipped) retries skipped while its circuit was open); "
            + "last error: \(pending.lastError ?? "none")",
                             now: clock.now(), partition: partition, key: key, generation: generation)
    }

    /// Schedules the head record, in its new state `pending`, for its next slot of the retry
    /// schedule, or dead-letters it `retries_exhausted` when the schedule is over.
    private func retryLater(_ item: QueuedDelivery, as pending: PendingDelivery, retryAfter: Duration? = nil,
                            exhaustedError: String, now: Int64, partition: TopicPartition, key: String, generation: Int) async throws {
        guard let delay = configuration.retry.delay(afterFailedAttempts: pending.attempts + pending.skipped,
                                                    firstAttempt: pending.firstAttempt ?? now, now: now,
                                                    retryAfter: retryAfter) else {
            var exhausted = item
            exhausted.pending = pending
            try await resolve(item, partition: partition, key: key, generation: generation, deadLetter: cause(
                exhausted, reason: .retriesExhausted, error: exhaustedError, status: pending.lastStatus, now: now))
            return
        }
        var next = pending
        next.due = now + delay.milliseconds
        try await scheduleRetry(next, partition: partition, key: key, generation: generation)
        metrics.delivery(tenant: item.tenant, outcome: .retryScheduled)
        state.withLock { $0.totals.retriesScheduled += 1 }
        logger.debug("webhook retry scheduled", metadata: [
            "tenant": "\(item.tenant)", "eventId": "\(item.eventID)", "attempts": "\(pending.attempts)",
            "skipped": "\(pending.skipped)", "delayMs": "\(delay.milliseconds)", "error": "\(pending.lastError ?? "none")"])
    }

    enum Admission { case admitted, slotMissed }

    /// Waits until the endpoint's circuit breaker and rate limit let a request through. A retry
    /// waits for the circuit at most its longest pause: one probe at a time goes through a
    /// half-open circuit, so with many records pending, waiting for a turn would stretch every
    /// record's schedule by a cool-down per record; such a retry misses its slot instead.
    private func admit(_ endpoint: WebhookEndpoint, isRetry: Bool) async throws -> Admission {
        let slotEnd = isRetry ? clock.now() + endpoint.breaker.longestPause : nil
        while true {
            try Task.checkCancellation()
            let now = clock.now()
            if let wait = endpoint.breaker.admission(now: now) {
                if let slotEnd {
                    if now >= slotEnd { return .slotMissed }
                    try await clock.sleep(milliseconds: min(wait, slotEnd - now))
                } else {
                    try await clock.sleep(milliseconds: wait)
                }
                continue
            }
            if let wait = endpoint.rate.take(now: clock.now()) {
                try await clock.sleep(milliseconds: wait)
                continue
            }
            return .admitted
        }
    }

    /// Why `item` is dead-lettered. `attemptAt`: the attempt that just ended it (not yet counted
    /// in `item.pending`); nil when no request was sent or the item already counts it.
    private func cause(_ item: QueuedDelivery, reason: DeadLetterReason, error: String, status: Int?, now: Int64,
                       attemptAt: Int64? = nil) -> DeadLetterCause {
        let attempts = item.pending.attempts + (attemptAt == nil ? 0 : 1)
        let first = item.pending.firstAttempt ?? attemptAt ?? now
        let last = attemptAt ?? item.pending.lastAttempt ?? now
        return DeadLetterCause(reason: reason, error: error, httpStatus: status, attempts: attempts,
                               firstAttempt: .init(milliseconds: first), lastAttempt: .init(milliseconds: last))
    }

    /// Finishes the head record of a payment: dead-letters it when there is a cause, removes its
    /// retry-log entry, and lets the offset go.
    private func resolve(_ item: QueuedDelivery, partition: TopicPartition, key: String, generation: Int,
                         deadLetter cause: DeadLetterCause?) async throws {
        if let cause {
            try await deadLetter(item.pending.record, tenant: item.tenant, cause: cause)
        }
        if item.inLog {
            try await produceDurably(RetryLog.tombstone(item.pending, topic: configuration.retryLogTopic))
        }
        state.withLock { s in
            guard s.partitions[partition]?.generation == generation,
                  s.partitions[partition]!.queues[key]?.isEmpty == false else { return }
            s.partitions[partition]!.queues[key]!.removeFirst()
            if item.holdsOffset { s.partitions[partition]!.finish(item.pending.record.offset) }
        }
    }

    private func deadLetter(_ record: ConsumerRecord, tenant: String, cause: DeadLetterCause) async throws {
        try await produceDurably(DeadLetter.record(for: record, cause: cause, consumerGroup: configuration.consumerGroup))
        metrics.delivery(tenant: tenant, outcome: .deadLettered)
        metrics.deadLetter(topic: record.topic, reason: cause.reason.rawValue)
        state.withLock { $0.totals.deadLettered += 1 }
        logger.warning("webhook dead-lettered", metadata: [
            "tenant": "\(tenant)", "topic": "\(record.topic)", "partition": "\(record.partition)",
            "offset": "\(record.offset)", "reason": "\(cause.reason.rawValue)", "error": "\(cause.error)"])
    }

    /// Writes the head record's new state to the retry log, then hands off every later record of
    /// the payment that is not there yet: the partition's offset may then move past all of them.
    private func scheduleRetry(_ pending: PendingDelivery, partition: TopicPartition, key: String, generation: Int) async throws {
        try await produceDurably(RetryLog.entry(pending, topic: configuration.retryLogTopic))
        let followers = state.withLock { s -> [PendingDelivery] in
            guard s.partitions[partition]?.generation == generation,
                  var queue = s.partitions[partition]!.queues[key], !queue.isEmpty else { return [] }
            if queue[0].holdsOffset { s.partitions[partition]!.finish(queue[0].pending.record.offset) }
            queue[0].pending = pending
            queue[0].inLog = true
            queue[0].holdsOffset = false
            var followers: [PendingDelivery] = []
            for index in queue.indices.dropFirst() where !queue[index].inLog && !queue[index].handingOff {
                queue[index].handingOff = true
                followers.append(queue[index].pending)
            }
            s.partitions[partition]!.queues[key] = queue
            return followers
        }
        if !followers.isEmpty { await handOff(followers, partition: partition, key: key) }
    }

    /// Writes waiting records of a parked payment to the retry log, then releases their offsets.
    private func handOff(_ records: [PendingDelivery], partition: TopicPartition, key: String) async {
        for pending in records {
            do {
                try await produceDurably(RetryLog.entry(pending, topic: configuration.retryLogTopic))
            } catch {
                return   // stopping: the offsets stay uncommitted, so the records are read again
            }
            state.withLock { s in
                guard var queue = s.partitions[partition]?.queues[key],
                      let index = queue.firstIndex(where: { $0.pending.record.offset == pending.record.offset }) else { return }
                queue[index].inLog = true
                queue[index].handingOff = false
                if queue[index].holdsOffset {
                    queue[index].holdsOffset = false
                    s.partitions[partition]!.finish(pending.record.offset)
                }
                s.partitions[partition]!.queues[key] = queue
            }
        }
    }

    /// Produces and waits for the broker's acknowledgement, trying again (without end, but
    /// cancellable) while Kafka refuses: the record's offset is held until then, so nothing is lost.
    private func produceDurably(_ record: ProducerRecord) async throws {
        var delay: Duration = .milliseconds(100)
        while true {
            try Task.checkCancellation()
            do {
                try await producer.send(record)
                return
            } catch {
                logger.warning("cannot write to Kafka yet; trying again",
                               metadata: ["topic": "\(record.topic)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    // MARK: Commits and rebalances

    private func commitPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.commitInterval)
            await commit()
            reportPending()
        }
    }

    private func positions(of partitions: Set<TopicPartition>? = nil) -> [TopicPartitionOffset] {
        state.withLock { s in
            s.partitions.compactMap { partition, progress in
                guard partitions?.contains(partition) ?? true, let position = progress.commitPosition,
                      position != progress.committed else { return nil }
                return TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: position)
            }
        }
    }

    private func commit(_ partitions: Set<TopicPartition>? = nil) async {
        let offsets = positions(of: partitions)
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets)
            state.withLock { s in
                for offset in offsets { s.partitions[offset.topicPartition]?.committed = offset.offset }
            }
        } catch {
            logger.warning("webhook sink commit failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    private func reportPending() {
        let counts = state.withLock { s -> [String: Int] in
            var counts: [String: Int] = [:]
            for tenant in tenants.keys { counts[tenant] = 0 }
            for (partition, progress) in s.partitions {
                guard let tenant = Self.route(of: partition.topic)?.tenant else { continue }
                counts[tenant, default: 0] += progress.queues.values.reduce(0) { $0 + $1.filter(\.inLog).count }
            }
            return counts
        }
        for (tenant, count) in counts { metrics.pending(tenant: tenant, count: count) }
    }

    private func stopWorkers() async {
        let workers = state.withLock { s -> [Task<Void, Never>] in
            s.generation += 1
            return Array(s.workers.values)
        }
        for worker in workers { worker.cancel() }
        for worker in workers { await worker.value }
    }

    /// Runs on the consumer's poll thread. New partitions get a fresh window and wait for their
    /// retry log; for revoked ones the workers stop, what is finished is committed and the
    /// retry-log writes are flushed before the partitions are given up.
    fileprivate func onRebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let partitions):
            logger.info("webhook sink partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
            state.withLock { s in
                s.joined = true
                for partition in partitions {
                    s.generation += 1
                    s.partitions[partition] = PartitionProgress(generation: s.generation)
                    s.toLoad.insert(partition)
                }
            }
        case .revoked(let partitions), .lost(let partitions):
            logger.info("webhook sink partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
            let revoked = Set(partitions)
            let offsets = positions(of: revoked)
            state.withLock { s in
                for partition in partitions { s.partitions[partition] = nil }
                s.toLoad.subtract(revoked)
            }
            let isLost = if case .lost = event { true } else { false }
            let done = DispatchSemaphore(value: 0)
            let consumer = self.consumer, producer = self.producer
            Task {
                try? await producer.flush(timeout: .seconds(10))
                if !isLost, !offsets.isEmpty { try? await consumer.commit(offsets) }
                done.signal()
            }
            done.wait()
        }
    }
}

/// Forwards rebalance events to the sink without keeping it alive.
private final class SinkRebalanceRelay: Sendable {
    // Written once in WebhookSink.init, before the consumer subscribes (so before any rebalance
    // callback can read it).
    nonisolated(unsafe) weak var target: WebhookSink?
    func forward(_ event: RebalanceEvent) { target?.onRebalance(event) }
}

extension Foundation.Date {
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
