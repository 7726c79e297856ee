import DeadLetters
import Foundation
import Kafka
import Logging
import Metrics
import Payments
import ResponseCodec
import ServiceLifecycle
import Synchronization
import Timing

/// Delivers the response records of webhook tenants as signed HTTP requests.
///
/// The rules of ordering, offsets and retries live in `DeliveryStateMachine`; this service only
/// carries out its actions: it polls, decodes and feeds records in, sends requests (waiting for
/// a record's due time, the endpoint's breaker and rate limit), writes retry-log entries,
/// tombstones and dead letters, commits, pauses and resumes partitions. Every send and every
/// Kafka write first checks that its partition's generation is still current, and a revoked
/// partition's workers are cancelled and awaited before its offsets are committed.
///
/// The tenants can change while it runs (`update(tenants:)`, from the control plane): a new
/// tenant's topics are created and subscribed to, a removed one's are left, a changed endpoint
/// takes the next request (the one in flight finishes on the old one), and the operational
/// controls (pause, enable, retry-now) act at once.
public final class WebhookSink: Service, Sendable {
    public struct Tenant: Sendable {
        public var endpoint: WebhookEndpoint.Settings
        /// Only these event types are delivered (others are skipped and counted); nil = all.
        public var eventTypes: Set<PaymentEventType>?
        /// Created when missing before the sink subscribes to the tenant (its response topics and DLTs).
        public var topics: [TopicSpecification] = []
        public var controls = Controls()

        public init(endpoint: WebhookEndpoint.Settings, eventTypes: Set<PaymentEventType>? = nil) {
            self.endpoint = endpoint
            self.eventTypes = eventTypes
        }

        public var id: String { endpoint.tenantID }
    }

    /// A tenant's operational state, as the control plane keeps it.
    public struct Controls: Sendable, Equatable {
        /// Nothing is sent while paused: records wait (the partition's window and the fetched
        /// records waiting for room in memory, the rest in Kafka), retries keep their place,
        /// nothing is dead-lettered.
        public var paused = false
        /// Delivery is off (the endpoint answered 410): records are dead-lettered `endpoint_gone`.
        public var disabledReason: String?
        /// When delivery was last re-enabled: a change forgets the endpoint's earlier 410 and block.
        public var enabledAt: Int64?
        /// When retry-now was last asked: a change makes the tenant's waiting retries due at once.
        public var retryNowAt: Int64?

        public init() {}
    }

    public struct Configuration: Sendable {
        public var consumerGroup = "payments-webhook-sink"
        public var tenants: [Tenant]
        public var retry: RetryPolicy
        /// The retry log; `<consumerGroup>.retries` when nil.
        public var retryTopic: String?
        public var retryTopicPartitions = 3
        /// Every attempt is appended to the attempt log (`<consumerGroup>.attempts` when
        /// `attemptTopic` is nil), the source of the delivery history; off: no log.
        public var attemptLog = true
        public var attemptTopic: String?
        public var replicationFactor = 3
        /// Topics to create when missing before subscribing (the tenants' response topics and DLTs).
        public var topics: [TopicSpecification] = []
        /// A partition takes no more records while this many of its records are read but
        /// unfinished (from the first unfinished one: what a restart reads again at most).
        public var maxOutstandingPerPartition = 2000
        /// A partition is paused once this many of its fetched records wait for room in its
        /// window, and resumed when half are left (pausing drops the consumer's read-ahead).
        public var maxWaitingPerPartition = 2000
        /// Records waiting in memory for their next attempt (parked in the retry log): past this
        /// many, a tenant's partitions are paused (per tenant, and over all tenants).
        public var maxPendingPerTenant = 10_000
        public var maxPending = 50_000
        /// How much the consumer fetches ahead (librdkafka's queue, in KiB).
        public var prefetchKilobytes = 32_768
        public var commitInterval: Duration = .milliseconds(500)
        /// How often the consumer lag gauge is refreshed.
        public var lagInterval: Duration = .seconds(10)
        public var sessionTimeout: Duration = .seconds(10)
        public var maxPollInterval: Duration = .seconds(300)
        /// The largest record the sink writes (`message.max.bytes`, and the created topics'
        /// limit): a retry-log entry or dead-letter copy of the largest response.
        public var maxRecordBytes = 1_048_576 + 65_536
        /// Loading the retry log gives up (and is tried again) after this long without progress.
        public var retryLogStall: Duration = .seconds(30)

        public init(tenants: [Tenant], retry: RetryPolicy) {
            self.tenants = tenants
            self.retry = retry
        }

        var retryLogTopic: String { retryTopic ?? PaymentTopics.retryLog(ofGroup: consumerGroup) }
        public var attemptLogTopic: String { attemptTopic ?? PaymentTopics.attempts(ofGroup: consumerGroup) }
    }

    /// Delivery counts since start (for the demo summary and tests; metrics carry the same).
    public struct Totals: Sendable, Equatable {
        /// Requests sent (every attempt that reached the network, answered or not).
        public var attempts = 0
        public var delivered = 0
        public var retriesScheduled = 0
        public var deadLettered = 0
        public var filtered = 0
        /// Records fetched for a partition no longer assigned (dropped, not handled).
        public var notAssigned = 0
        /// Records parked in the retry log now, and the most at any time.
        public var pending = 0
        public var pendingPeak = 0
        /// The outcomes per tenant.
        public var tenants: [String: Outcomes] = [:]
        public init() {}

        /// What happened to one tenant's records.
        public struct Outcomes: Sendable, Equatable {
            public var delivered = 0
            public var retriesScheduled = 0
            public var deadLettered = 0
            public var filtered = 0
        }

        mutating func count(_ outcome: WritableKeyPath<Outcomes, Int>, tenant: String) {
            tenants[tenant, default: Outcomes()][keyPath: outcome] += 1
        }
    }

    private typealias Machine = DeliveryStateMachine

    private struct State {
        var machine: Machine
        /// The tasks carrying out actions, per partition (cancelled and awaited on revoke).
        var workers: [TopicPartition: [Int: Task<Void, Never>]] = [:]
        var nextWorker = 0
        /// Partitions whose retry log is being read.
        var loading: Set<TopicPartition> = []
        var loader: Task<Void, Never>?
        var joined = false
        var failure: String?
        /// Set while records wait for a writer's schema the registry does not serve.
        var registryOutage: String?
        /// Endpoints that answered 410 Gone, and endpoints refused by the address policy (with the reason).
        var goneEndpoints: Set<String> = []
        var blockedEndpoints: [String: String] = [:]
        /// The last TLS failure of each endpoint (logged when it changes).
        var tlsFailures: [String: String] = [:]
        /// Since when a commit was refused because the group is rebalancing: no new request
        /// starts until the rebalance is over (what is delivered now could not be committed,
        /// and the next owner would send it again).
        var rebalancingSince: ContinuousClock.Instant?
        /// Attempts waiting for their due time (parked payments' next tries), and the scheduler's
        /// current nap (cut short when something falls due earlier than it planned).
        var due = DueQueue<Machine.Attempt>()
        var nap: (task: Task<Void, Never>, until: Int64)?
        /// Partitions revoked since the poll loop last looked (records it holds for them are stale).
        var revokedSincePoll: Set<TopicPartition> = []
        var totals = Totals()
        var roster: Roster
    }

    /// The tenants now, their endpoints, and the attempts held while their tenant is paused.
    private struct Roster {
        var tenants: [String: Tenant]
        var endpoints: [String: WebhookEndpoint]
        /// The tenants (and their topics) the consumer is subscribed to; nil: not subscribed.
        var subscribed: [String: [String]]?
        var held: [String: [Machine.Attempt]] = [:]
    }

    public let configuration: Configuration
    private let kafka: KafkaConfiguration
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let attemptLog: AttemptLog?
    private let provisioner: TopicProvisioner
    private let decoder: PaymentResponseDecoder
    private let clock: SinkClock
    private let metrics: WebhookMetrics
    private let logger: Logger
    private let state: Mutex<State>
    private let goneObserver = Mutex<(@Sendable (String) -> Void)?>(nil)

    public init(
        configuration: Configuration, kafka: KafkaConfiguration, decoder: PaymentResponseDecoder,
        clock: SinkClock = SystemSinkClock(), metricsFactory: MetricsFactory,
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.kafka = kafka
        self.decoder = decoder
        self.clock = clock
        self.logger = logger
        metrics = WebhookMetrics(factory: metricsFactory)
        var endpoints: [String: WebhookEndpoint] = [:]
        for tenant in configuration.tenants {
            endpoints[tenant.id] = try WebhookEndpoint(settings: tenant.endpoint, now: clock.now())
            metrics.certificateExpiry(of: tenant.endpoint)
        }
        state = Mutex(
            State(
                machine: Machine(
                    settings: .init(
                        maxOutstandingPerPartition: configuration.maxOutstandingPerPartition,
                        maxWaitingPerPartition: configuration.maxWaitingPerPartition,
                        maxParkedPerTenant: configuration.maxPendingPerTenant,
                        maxParked: configuration.maxPending)),
                roster: Roster(
                    tenants: Dictionary(configuration.tenants.map { ($0.id, $0) }) { _, last in last },
                    endpoints: endpoints)))
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: configuration.consumerGroup)
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.maxPollInterval = configuration.maxPollInterval
        consumerConfiguration.prefetchKilobytes = configuration.prefetchKilobytes
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.linger = .milliseconds(1)
        producerConfiguration.maxRecordBytes = configuration.maxRecordBytes
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        attemptLog =
            configuration.attemptLog
            ? try AttemptLog(topic: configuration.attemptLogTopic, kafka: kafka, metrics: metrics, logger: logger)
            : nil
        provisioner = TopicProvisioner(admin: try KafkaAdmin(configuration: kafka, logger: logger), logger: logger)
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        consumer.onRebalance { [weak self] event in await self?.rebalanced(event) }
    }

    /// Called once when a tenant's endpoint answers 410 Gone (its records are dead-lettered
    /// from then on, until the tenant is re-enabled), with the tenant's id.
    public func onEndpointGone(_ observer: @escaping @Sendable (String) -> Void) {
        goneObserver.withLock { $0 = observer }
    }

    /// Ready once the consumer joined its group and the retry log of its partitions is loaded.
    public var readiness: (ready: Bool, reason: String?) {
        state.withLock { s in
            if let failure = s.failure { return (false, "webhook sink: \(failure)") }
            if s.roster.subscribed == nil, s.roster.tenants.isEmpty { return (true, nil) }
            if !s.joined { return (false, "webhook sink: waiting for partition assignment") }
            if !s.machine.loading.isEmpty { return (false, "webhook sink: loading pending retries") }
            if let outage = s.registryOutage { return (false, "webhook sink: paused, \(outage)") }
            if decoder.isWaitingForRegistry { return (false, "webhook sink: waiting for the schema registry") }
            return (true, nil)
        }
    }

    /// The tenant as served now.
    public func tenant(_ id: String) -> Tenant? { state.withLock { $0.roster.tenants[id] } }

    /// The tenants served now, and each one's operational state.
    public var tenantControls: [String: Controls] { state.withLock { $0.roster.tenants.mapValues(\.controls) } }

    public var totals: Totals {
        state.withLock { s in
            var totals = s.totals
            totals.pending = s.machine.parkedInAll
            return totals
        }
    }

    // MARK: Main loop

    public func run() async throws {
        await ensureTopics()
        try await followTenants()
        let committer = Task { await commitPeriodically() }
        let scheduler = Task { await scheduleDueAttempts() }
        let lagReporter = Task { [consumer, metrics, configuration] in
            await consumer.reportLag(every: configuration.lagInterval) { partition, records in
                metrics.consumerLag(
                    group: configuration.consumerGroup, topic: partition.topic, partition: partition.partition,
                    records: records)
            }
        }
        do {
            // Records polled but not taken yet wait here, in order per partition, while the
            // consumer keeps polling (so the group keeps this member and rebalances are served):
            // those of a partition whose window or tenant budget is full (it is paused once
            // enough wait), and all of them while the registry does not answer (reading holds).
            var waiting = WaitingRecords()
            var registryBackoff = Backoff(first: .milliseconds(200), max: .seconds(5))
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                try await followTenants()
                let batch = await consumer.poll(timeout: .milliseconds(100))
                let revoked = state.withLock { s in
                    defer { s.revokedSincePoll = [] }
                    return s.revokedSincePoll
                }
                if !revoked.isEmpty { waiting.remove(revoked) }
                waiting.append(batch)
                startLoadingRetryLogs()
                let holding = await take(&waiting)  // the registry does not answer: reading holds
                let waitingCounts = waiting.counts
                try perform(
                    state.withLock { s in
                        s.machine.holdReading(holding)
                        return s.machine.flowControl(waiting: waitingCounts)
                    })
                if holding {
                    try? await Task.sleep(for: registryBackoff.next())
                } else {
                    registryBackoff = Backoff(first: .milliseconds(200), max: .seconds(5))
                }
            }
        } catch {
            logger.error("webhook sink stopped", metadata: ["error": "\(error)"])
            state.withLock { $0.failure = "\(error)" }
        }
        committer.cancel()
        lagReporter.cancel()
        scheduler.cancel()
        state.withLock { $0.nap?.task.cancel() }
        await stopWorkers()
        await consumer.close()
        await producer.close()
        await attemptLog?.close()
        for endpoint in state.withLock({ Array($0.roster.endpoints.values) }) { await endpoint.shutdown() }
        logger.info("webhook sink stopped")
    }

    // MARK: Tenants

    /// Replaces the tenants (the control plane's changes). A tenant added is subscribed to (its
    /// topics created first) by the poll loop within one poll; one removed is left (its partitions
    /// revoked, what was finished committed). A changed endpoint takes the next request; the old
    /// one is shut down once its requests are over. An endpoint that cannot be built keeps the
    /// tenant's previous one (logged).
    public func update(tenants: [Tenant]) {
        let now = clock.now()
        let current = state.withLock { $0.roster.tenants }
        var built: [String: WebhookEndpoint] = [:]
        var next: [String: Tenant] = [:]
        for tenant in tenants {
            let previous = current[tenant.id]
            next[tenant.id] = tenant
            guard previous?.endpoint != tenant.endpoint else { continue }
            do {
                built[tenant.id] = try WebhookEndpoint(settings: tenant.endpoint, now: now)
                metrics.certificateExpiry(of: tenant.endpoint)
            } catch {
                logger.error(
                    "webhook endpoint of a changed tenant cannot be used; the tenant keeps its previous settings",
                    metadata: ["tenant": "\(tenant.id)", "error": "\(error)"])
                next[tenant.id] = previous
            }
        }
        let (retired, released, wake) = state.withLock { s -> ([WebhookEndpoint], [Machine.Attempt], Bool) in
            var retired: [WebhookEndpoint] = []
            var released: [Machine.Attempt] = []
            var wake = false
            for id in s.roster.tenants.keys where next[id] == nil {
                retired += s.roster.endpoints.removeValue(forKey: id).map { [$0] } ?? []
                s.roster.held[id] = nil
            }
            for (id, endpoint) in built {
                retired += s.roster.endpoints.updateValue(endpoint, forKey: id).map { [$0] } ?? []
            }
            for (id, tenant) in next {
                guard let old = s.roster.tenants[id]?.controls else { continue }
                let controls = tenant.controls
                if old.enabledAt != controls.enabledAt {
                    s.goneEndpoints.remove(id)
                    s.blockedEndpoints[id] = nil
                }
                if old.retryNowAt != controls.retryNowAt {
                    s.due.makeDue(now: now, where: { $0.delivery.tenant == id }) { $0.delivery.pending.due = now }
                    wake = true
                }
                if !controls.paused { released += s.roster.held.removeValue(forKey: id) ?? [] }
            }
            s.roster.tenants = next
            return (retired, released, wake)
        }
        for attempt in released { spawn(attempt.partition, generation: attempt.generation, [.deliver(attempt)]) }
        if wake { state.withLock { $0.nap?.task.cancel() } }
        guard !retired.isEmpty else { return }
        let grace = retired.map { $0.settings.connectTimeout + $0.settings.requestTimeout }.max() ?? .seconds(35)
        Task {
            // Requests already sent through the old endpoints end first (each within its timeouts).
            try? await Task.sleep(for: grace)
            for endpoint in retired { await endpoint.shutdown() }
        }
    }

    /// Subscribes to the tenants' topics when the tenants (or a tenant's topics: its channel)
    /// changed, creating the new topics first, or leaves the subscription when none is left.
    private func followTenants() async throws {
        let (tenants, subscribed) = state.withLock { ($0.roster.tenants, $0.roster.subscribed) }
        let wanted = tenants.mapValues { $0.topics.map(\.name) }
        guard subscribed != wanted, !(subscribed == nil && wanted.isEmpty) else { return }
        let before = subscribed ?? [:]
        let changed = wanted.keys.filter { before[$0] != wanted[$0] }.sorted()
        await provisioner.ensure(changed.flatMap { tenants[$0]?.topics ?? [] })
        if wanted.isEmpty {
            try consumer.unsubscribe()
            state.withLock { $0.roster.subscribed = nil }
        } else {
            try consumer.subscribe(wanted.keys.sorted().map { PaymentTopics.responsesSubscription(forTenant: $0) })
            state.withLock { $0.roster.subscribed = wanted }
            // The pattern matches only topics in the consumer's metadata: fetch it now (the topics
            // were just created) rather than at librdkafka's next refresh, minutes away.
            if subscribed != nil {
                let created = Set(changed.flatMap { wanted[$0] ?? [] })
                Task { [consumer] in await consumer.refreshMetadata(waitingFor: created) }
            }
        }
        logger.info(
            "webhook sink consuming",
            metadata: [
                "tenants": "\(wanted.keys.sorted())", "changed": "\(changed)",
                "removed": "\(before.keys.filter { wanted[$0] == nil }.sorted())",
                "group": "\(configuration.consumerGroup)",
            ])
    }

    /// True when the attempt's tenant is paused: the attempt is held (its payment waits, nothing
    /// is sent) until the tenant is resumed.
    private func holdIfPaused(_ attempt: Machine.Attempt) -> Bool {
        state.withLock { s in
            let tenant = attempt.delivery.tenant
            guard s.roster.tenants[tenant]?.controls.paused == true else { return false }
            s.roster.held[tenant, default: []].append(attempt)
            return true
        }
    }

    /// Creates the configured topics and the retry log when missing (or relies on the broker's
    /// auto-creation where it cannot).
    private func ensureTopics() async {
        var specs = configuration.topics
        specs.append(
            RetryLog.specification(
                topic: configuration.retryLogTopic, partitions: configuration.retryTopicPartitions,
                replicationFactor: configuration.replicationFactor,
                maxRecordBytes: configuration.maxRecordBytes))
        if let attemptLog {
            specs.append(
                AttemptLog.specification(
                    topic: attemptLog.topic, partitions: configuration.retryTopicPartitions,
                    replicationFactor: configuration.replicationFactor))
        }
        await provisioner.ensure(specs)
    }

    /// Reads the retry log for newly assigned partitions off the poll loop (they stay paused
    /// until it is loaded), trying again while it cannot be read.
    private func startLoadingRetryLogs() {
        state.withLock { s in
            guard s.loader == nil else { return }
            let waiting = s.machine.loading.filter { !s.loading.contains($0.0) }
            guard !waiting.isEmpty else { return }
            s.loading.formUnion(waiting.map(\.0))
            s.loader = Task { [self] in
                await loadRetryLog(Dictionary(uniqueKeysWithValues: waiting.map { ($0.0, $0.generation) }))
                state.withLock { s in
                    s.loading.subtract(waiting.map(\.0))
                    s.loader = nil
                }
            }
        }
    }

    private func loadRetryLog(_ partitions: [TopicPartition: Int]) async {
        var backoff = Backoff(first: .milliseconds(500), max: .seconds(10))
        var loaded: [TopicPartition: [PendingDelivery]] = [:]
        while true {
            if Task.isCancelled { return }
            do {
                loaded = try await RetryLog.load(
                    topic: configuration.retryLogTopic, for: Set(partitions.keys), kafka: kafka,
                    logger: logger, stall: configuration.retryLogStall)
                break
            } catch {
                logger.warning("cannot read the retry log yet; trying again", metadata: ["error": "\(error)"])
                guard (try? await Task.sleep(for: backoff.next())) != nil else { return }
            }
        }
        var count = 0
        for (partition, generation) in partitions {
            guard let route = PaymentTopics.route(ofResponses: partition.topic) else { continue }
            var entries: [QueuedDelivery] = []
            for pending in loaded[partition] ?? [] {
                switch await decodeWaitingForRegistry(pending.record, channel: route.channel) {
                case nil:
                    return
                case .success(let response):
                    entries.append(QueuedDelivery(tenant: route.tenant, pending: pending, response: response))
                case .failure(let error):
                    // It was decodable when it was logged (its writer's schema is gone now): it
                    // keeps its place in its payment's queue and is dead-lettered there.
                    logger.error(
                        "a pending retry cannot be decoded; it is dead-lettered in its turn",
                        metadata: ["entry": "\(pending.logKey)", "error": "\(error)"])
                    var entry = QueuedDelivery(
                        tenant: route.tenant, pending: pending, eventID: "", correlationID: "", body: [])
                    entry.undeliverable = DeadLetterCause(
                        reason: .decodeError, error: "\(error)", attempts: pending.attempts,
                        firstAttempt: .init(milliseconds: pending.firstAttempt ?? clock.now()),
                        lastAttempt: .init(milliseconds: pending.lastAttempt ?? clock.now()))
                    entries.append(entry)
                }
            }
            count += entries.count
            try? perform(state.withLock { $0.machine.loaded(partition, generation: generation, entries: entries) })
        }
        if count > 0 { logger.info("pending retries loaded", metadata: ["records": "\(count)"]) }
    }

    /// Takes out of `waiting` the records their partitions have room for, in order per partition;
    /// true when the schema registry stopped it (that record and the rest stay).
    private func take(_ waiting: inout WaitingRecords) async -> Bool {
        for partition in waiting.partitions {
            let route = PaymentTopics.route(ofResponses: partition.topic)  // once per partition, not per record
            while let record = waiting.first(of: partition), state.withLock({ $0.machine.canTake(partition) }) {
                guard await accept(record, route: route) else { return true }
                waiting.removeFirst(of: partition)
            }
        }
        return false
    }

    /// Takes one record from a response topic into the state machine (`route`: its topic's tenant
    /// and channel, nil for a topic that is not a response topic). False when its writer's schema
    /// cannot be fetched now (the record is not at fault: it waits, and so do those after it).
    private func accept(_ record: ConsumerRecord, route: (tenant: String, channel: PaymentChannel)?) async -> Bool {
        let partition = record.topicPartition
        let fetched: Machine.Fetched
        if let route, let tenant = state.withLock({ $0.roster.tenants[route.tenant] }) {
            switch await decode(record, channel: route.channel) {
            case nil:
                return false
            case .success(let response):
                if let filter = tenant.eventTypes, !filter.contains(response.eventType) {
                    metrics.filtered(tenant: tenant.id, eventType: response.eventType.rawValue)
                    state.withLock {
                        $0.totals.filtered += 1
                        $0.totals.count(\.filtered, tenant: tenant.id)
                    }
                    fetched = .skip
                    let now = clock.now()
                    await attemptLog?.append(
                        AttemptLog.entry(
                            QueuedDelivery(
                                tenant: tenant.id, pending: PendingDelivery(record: record), response: response),
                            attempt: 0, sentAt: now, durationMs: 0, result: nil, excerpt: [], outcome: .filtered,
                            error: "event type \(response.eventType.rawValue) is not delivered to this tenant"))
                } else {
                    fetched = .deliver(
                        QueuedDelivery(tenant: tenant.id, pending: PendingDelivery(record: record), response: response))
                }
            case .failure(let error):
                fetched = .deadLetter(
                    record, tenant: tenant.id,
                    cause: DeadLetterCause(
                        reason: .decodeError, error: "\(error)", attempts: 0,
                        firstAttempt: .init(milliseconds: clock.now())))
            }
        } else {
            fetched = .skip
        }
        let (intake, actions) = state.withLock { s in
            let result = s.machine.fetched(partition, offset: record.offset, fetched)
            if result.0 == .notAssigned { s.totals.notAssigned += 1 }
            return result
        }
        switch intake {
        case .notAssigned:
            metrics.notAssigned(topic: record.topic)
            logger.debug(
                "record of a partition no longer assigned dropped",
                metadata: ["partition": "\(partition)", "offset": "\(record.offset)"])
        case .duplicate:
            logger.debug(
                "record already taken (fetched again) or in the retry log; skipped",
                metadata: ["partition": "\(partition)", "offset": "\(record.offset)"])
        case .accepted:
            break
        }
        try? perform(actions)
        return true
    }

    /// Decodes a record, trying again while the registry holding its writer's schema does not
    /// answer. Nil when the sink is stopping.
    private func decodeWaitingForRegistry(_ record: ConsumerRecord, channel: PaymentChannel) async
        -> Result<PaymentResponse, DecodeError>?
    {
        var backoff = Backoff(first: .milliseconds(500), max: .seconds(10))
        while true {
            if let result = await decode(record, channel: channel) { return result }
            do { try await Task.sleep(for: backoff.next()) } catch { return nil }
        }
    }

    /// Decodes a record; nil while the registry holding its writer's schema does not answer
    /// (the outage is logged once and shown in readiness).
    private func decode(_ record: ConsumerRecord, channel: PaymentChannel) async -> Result<
        PaymentResponse, DecodeError
    >? {
        do {
            let response = try await decoder.decode(record.value, channel: channel)
            let recovered = state.withLock { s in
                defer { s.registryOutage = nil }
                return s.registryOutage != nil
            }
            if recovered { logger.info("schema registry answers again; reading resumes") }
            return .success(response)
        } catch {
            guard error.isTransient else { return .failure(error) }
            let first = state.withLock { s in
                defer { s.registryOutage = error.description }
                return s.registryOutage == nil
            }
            if first {
                logger.warning(
                    "schema registry unreachable; reading paused until it answers",
                    metadata: ["topic": "\(record.topic)", "error": "\(error)"])
            }
            return nil
        }
    }

    // MARK: Actions

    /// Carries out actions from the poll loop or a rebalance: Kafka calls at once, deliveries and
    /// writes in tasks of their own.
    private func perform(_ actions: [Machine.Action]) throws {
        for action in actions {
            switch action {
            case .pause(let partitions): try consumer.pause(partitions)
            case .resume(let partitions): try consumer.resume(partitions)
            case .deliver(let attempt): deliverWhenDue(attempt)
            case .write(let ticket, _): spawn(ticket.partition, generation: ticket.generation, [action])
            }
        }
    }

    /// Starts a worker for a partition's actions, unless that assignment is already over.
    private func spawn(_ partition: TopicPartition, generation: Int, _ actions: [Machine.Action]) {
        state.withLock { s in
            guard s.machine.isCurrent(partition, generation: generation) else { return }
            let id = s.nextWorker
            s.nextWorker += 1
            s.workers[partition, default: [:]][id] = Task { [self] in
                await work(actions)
                _ = state.withLock { $0.workers[partition]?.removeValue(forKey: id) }
            }
        }
    }

    /// A worker: carries out its actions and those they lead to. Writes go first (a parked
    /// payment's later records must reach the retry log without waiting for its next attempt);
    /// of several deliveries, all but one get workers of their own.
    private func work(_ initial: [Machine.Action]) async {
        var queue = initial
        while !queue.isEmpty, !Task.isCancelled {
            let action: Machine.Action
            if let index = queue.firstIndex(where: { if case .deliver = $0 { false } else { true } }) {
                action = queue.remove(at: index)
            } else {
                action = queue.removeLast()
                for case .deliver(let other) in queue { deliverWhenDue(other) }
                queue.removeAll()
                if case .deliver(let attempt) = action, attempt.delivery.pending.due > clock.now() {
                    deliverWhenDue(attempt)  // this worker ends; the scheduler starts one when it is due
                    return
                }
            }
            switch action {
            case .deliver(let attempt):
                guard let outcome = await send(attempt) else { return }
                queue += state.withLock { $0.machine.attemptFinished(attempt, outcome) }
            case .write(let ticket, let write):
                switch await self.write(write, ticket: ticket) {
                case .written:
                    queue += state.withLock { s in
                        defer { s.totals.pendingPeak = max(s.totals.pendingPeak, s.machine.parkedInAll) }
                        return s.machine.written(ticket)
                    }
                case .refused(let reason): queue += state.withLock { $0.machine.writeRefused(ticket, reason: reason) }
                case .abandoned: return
                }
            case .pause, .resume:
                try? perform([action])
            }
        }
    }

    /// Starts an attempt now, or hands it to the scheduler when it is due later.
    private func deliverWhenDue(_ attempt: Machine.Attempt) {
        let due = attempt.delivery.pending.due
        guard due > clock.now() else {
            spawn(attempt.partition, generation: attempt.generation, [.deliver(attempt)])
            return
        }
        let wake = state.withLock { s -> Task<Void, Never>? in
            s.due.insert(attempt, due: due)
            guard let nap = s.nap, due < nap.until else { return nil }
            return nap.task
        }
        wake?.cancel()
    }

    /// The one timer of parked payments: starts the attempts that fell due, then naps until the
    /// next one (or until an earlier one is scheduled).
    private func scheduleDueAttempts() async {
        while !Task.isCancelled {
            let now = clock.now()
            let ready = state.withLock { $0.due.popDue(now: now) }
            for attempt in ready { spawn(attempt.partition, generation: attempt.generation, [.deliver(attempt)]) }
            let nap = state.withLock { s -> Task<Void, Never> in
                let until = s.due.nextDue ?? now + 60_000
                let task = Task { [clock] in _ = try? await clock.sleep(milliseconds: until - clock.now()) }
                s.nap = (task, until)
                return task
            }
            await nap.value
        }
    }

    private func isCurrent(_ partition: TopicPartition, _ generation: Int) -> Bool {
        state.withLock { $0.machine.isCurrent(partition, generation: generation) }
    }

    // MARK: Deliveries

    /// One attempt at the head of a payment's queue: waits for its due time, the endpoint's
    /// breaker and rate limit, sends, and says how it ended. Nil when its partition was revoked
    /// or the sink is stopping.
    private func send(_ attempt: Machine.Attempt) async -> Machine.Outcome? {
        let item = attempt.delivery
        do {
            let wait = item.pending.due - clock.now()
            if wait > 0 { try await clock.sleep(milliseconds: wait) }
            if holdIfPaused(attempt) { return nil }
            let (found, disabled) = state.withLock { s in
                (
                    s.roster.endpoints[item.tenant],
                    s.goneEndpoints.contains(item.tenant)
                        ? "endpoint answered 410 Gone earlier" : s.roster.tenants[item.tenant]?.controls.disabledReason
                )
            }
            guard let endpoint = found else { return nil }
            if let disabled {
                let now = clock.now()
                let error = "\(disabled); not sent (delivery is disabled)"
                await attemptLog?.append(
                    AttemptLog.entry(
                        item, attempt: item.pending.attempts + 1, sentAt: now, durationMs: 0, result: nil, excerpt: [],
                        outcome: .deadLettered, errorClass: .disabled, error: error))
                return .deadLetter(cause(item.pending, reason: .endpointGone, error: error, status: 410, now: now))
            }
            try await holdDuringRebalance()
            let permit: CircuitBreakerState.Permit
            switch try await admit(endpoint, isRetry: item.pending.attempts > 0) {
            case .admitted(let admitted): permit = admitted
            case .slotMissed:
                let skipped = skipRetrySlot(item.pending)
                let now = clock.now()
                await attemptLog?.append(
                    AttemptLog.entry(
                        item, attempt: item.pending.attempts + item.pending.skipped + 1, sentAt: now, durationMs: 0,
                        result: nil, excerpt: [], outcome: Self.logged(skipped, breakerSkip: true),
                        errorClass: .circuitOpen, error: "not sent: the endpoint's circuit was open for the whole slot")
                )
                return skipped
            }
            guard !Task.isCancelled, isCurrent(attempt.partition, attempt.generation) else {
                endpoint.inFlight.release()
                _ = endpoint.breaker.record(.notSent, permit: permit, now: clock.now())
                return nil
            }
            let started = clock.now()
            let answer = await endpoint.attempted(
                body: item.body, eventID: item.eventID, correlationID: item.correlationID, now: started)
            let result = answer.result
            endpoint.inFlight.release()
            if result.reachability != .notSent { state.withLock { $0.totals.attempts += 1 } }
            let now = clock.now()
            breakerChanged(
                endpoint.breaker.record(Task.isCancelled ? .notSent : result.reachability, permit: permit, now: now),
                tenant: item.tenant)
            metrics.attempt(tenant: item.tenant, milliseconds: now - started)
            try Task.checkCancellation()
            let outcome = outcome(of: result, item, started: started, now: now)
            if case .delivered = outcome, let eventTime = item.eventTime {
                metrics.endToEnd(tenant: item.tenant, milliseconds: now - eventTime)
            }
            await attemptLog?.append(
                AttemptLog.entry(
                    item, attempt: item.pending.attempts + 1, sentAt: started, durationMs: now - started,
                    result: result,
                    excerpt: answer.responseExcerpt, outcome: Self.logged(outcome, result: result)))
            return outcome
        } catch {
            return nil
        }
    }

    /// How the attempt log names an outcome.
    private static func logged(
        _ outcome: Machine.Outcome, result: WebhookEndpoint.AttemptResult? = nil, breakerSkip: Bool = false
    ) -> DeliveryAttempt.Outcome {
        switch outcome {
        case .delivered: return .delivered
        case .retry: return breakerSkip ? .skippedByBreaker : .retryScheduled
        case .deadLetter:
            if case .blocked = result { return .blocked }
            return .deadLettered
        }
    }

    /// Waits while the group rebalances (at most a session timeout: the rebalance then either
    /// ended without telling this member, or this member is out of the group anyway).
    private func holdDuringRebalance() async throws {
        while let since = state.withLock({ $0.rebalancingSince }),
            ContinuousClock.now - since < configuration.sessionTimeout
        {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func outcome(of result: WebhookEndpoint.AttemptResult, _ item: QueuedDelivery, started: Int64, now: Int64)
        -> Machine.Outcome
    {
        let tenant = item.tenant
        switch result {
        case .delivered:
            metrics.delivery(tenant: tenant, outcome: .delivered)
            state.withLock {
                $0.totals.delivered += 1
                $0.totals.count(\.delivered, tenant: tenant)
                $0.tlsFailures[tenant] = nil
            }
            return .delivered
        case .retriable(let status, let retryAfter, let error):
            return failed(item, error: error, status: status, retryAfter: retryAfter, started: started, now: now)
        case .gone:
            let first = state.withLock { $0.goneEndpoints.insert(tenant).inserted }
            if first {
                logger.error(
                    "webhook endpoint answered 410 Gone; its records are dead-lettered until it is re-enabled",
                    metadata: ["tenant": "\(tenant)"])
                goneObserver.withLock { $0 }?(tenant)
            }
            return .deadLetter(
                cause(
                    item.pending, reason: .endpointGone, error: "HTTP 410 Gone", status: 410, now: now,
                    attemptAt: started))
        case .refused(let status, let error):
            return .deadLetter(
                cause(item.pending, reason: .httpStatus, error: error, status: status, now: now, attemptAt: started))
        case .blocked(let reason):
            let changed = state.withLock { $0.blockedEndpoints.updateValue(reason, forKey: tenant) != reason }
            if changed {
                logger.warning("webhook endpoint blocked", metadata: ["tenant": "\(tenant)", "reason": "\(reason)"])
            }
            return .deadLetter(
                cause(item.pending, reason: .endpointBlocked, error: reason, status: nil, now: now, attemptAt: started))
        case .tlsFailed(let reason):
            metrics.tlsFailure(tenant: tenant)
            let changed = state.withLock { $0.tlsFailures.updateValue(reason, forKey: tenant) != reason }
            if changed {
                logger.error(
                    "webhook endpoint TLS handshake failed; check the tenant's TLS settings or the endpoint's certificate",
                    metadata: ["tenant": "\(tenant)", "reason": "\(reason)"])
            }
            return failed(item, error: reason, status: nil, retryAfter: nil, started: started, now: now)
        case .unsendable(let reason):
            return .deadLetter(cause(item.pending, reason: .decodeError, error: reason, status: nil, now: now))
        }
    }

    /// An attempt that failed in a way worth trying again: the record's next slot.
    private func failed(
        _ item: QueuedDelivery, error: String, status: Int?, retryAfter: Duration?, started: Int64, now: Int64
    ) -> Machine.Outcome {
        var pending = item.pending
        pending.attempts += 1
        pending.firstAttempt = pending.firstAttempt ?? started
        pending.lastAttempt = started
        pending.lastError = error
        pending.lastStatus = status
        return retryLater(
            pending, tenant: item.tenant, retryAfter: retryAfter,
            exhaustedError: "retries exhausted; last error: \(error)", now: now)
    }

    /// A retry waited for its endpoint's circuit longer than the circuit's longest pause: the
    /// endpoint is known to be down, so no request is sent, but the slot counts, and the record
    /// moves to its next slot (or is dead-lettered at the end of the schedule) as if it had been
    /// tried (`dlt.attempts` counts only requests sent).
    private func skipRetrySlot(_ pending: PendingDelivery) -> Machine.Outcome {
        var pending = pending
        pending.skipped += 1
        return retryLater(
            pending, tenant: nil,
            exhaustedError:
                "retries exhausted (the endpoint kept failing; \(pending.skipped) retries skipped while its circuit was open); "
                + "last error: \(pending.lastError ?? "none")", now: clock.now())
    }

    /// The record's next slot of the retry schedule, or a dead letter `retries_exhausted` when
    /// the schedule is over.
    private func retryLater(
        _ pending: PendingDelivery, tenant: String?, retryAfter: Duration? = nil,
        exhaustedError: String, now: Int64
    ) -> Machine.Outcome {
        guard
            let delay = configuration.retry.delay(
                afterFailedAttempts: pending.attempts + pending.skipped,
                firstAttempt: pending.firstAttempt ?? now, now: now,
                retryAfter: retryAfter)
        else {
            return .deadLetter(
                cause(pending, reason: .retriesExhausted, error: exhaustedError, status: pending.lastStatus, now: now))
        }
        var next = pending
        next.due = now + delay.milliseconds
        if let tenant {
            metrics.delivery(tenant: tenant, outcome: .retryScheduled)
            state.withLock {
                $0.totals.retriesScheduled += 1
                $0.totals.count(\.retriesScheduled, tenant: tenant)
            }
        }
        logger.debug(
            "webhook retry scheduled",
            metadata: [
                "topic": "\(pending.record.topic)", "offset": "\(pending.record.offset)",
                "attempts": "\(pending.attempts)",
                "skipped": "\(pending.skipped)", "delayMs": "\(delay.milliseconds)",
                "error": "\(pending.lastError ?? "none")",
            ])
        return .retry(next)
    }

    enum Admission {
        case admitted(CircuitBreakerState.Permit)
        case slotMissed
    }

    /// Waits until the endpoint's circuit breaker, its in-flight limit and its rate limit let a
    /// request through; on `.admitted` the caller holds an in-flight slot and a breaker permit.
    /// A permit that went stale while waiting for a slot (the circuit opened meanwhile) is given
    /// back and admission starts over, so no request queued before an opening reaches an
    /// endpoint known to be down. A retry waits for the circuit at most its longest pause; if it
    /// is still not let through, it misses its slot (the endpoint is known to be down).
    private func admit(_ endpoint: WebhookEndpoint, isRetry: Bool) async throws -> Admission {
        let slotEnd = isRetry ? clock.now() + endpoint.breaker.longestPause : nil
        while true {
            try Task.checkCancellation()
            let now = clock.now()
            switch endpoint.breaker.admission(now: now) {
            case .wait(let wait):
                if let slotEnd {
                    if now >= slotEnd { return .slotMissed }
                    try await clock.sleep(milliseconds: min(wait, slotEnd - now))
                } else {
                    try await clock.sleep(milliseconds: wait)
                }
            case .admitted(let permit):
                do {
                    try await endpoint.inFlight.acquire()
                } catch {
                    _ = endpoint.breaker.record(.notSent, permit: permit, now: clock.now())
                    throw error
                }
                guard endpoint.breaker.isValid(permit) else {
                    endpoint.inFlight.release()
                    _ = endpoint.breaker.record(.notSent, permit: permit, now: clock.now())
                    continue
                }
                while let wait = endpoint.rate.take(now: clock.now()) {
                    do {
                        try await clock.sleep(milliseconds: wait)
                    } catch {
                        endpoint.inFlight.release()
                        _ = endpoint.breaker.record(.notSent, permit: permit, now: clock.now())
                        throw error
                    }
                }
                return .admitted(permit)
            }
        }
    }

    private func breakerChanged(_ transition: CircuitBreakerState.Transition?, tenant: String) {
        switch transition {
        case nil:
            return
        case .opened(let milliseconds):
            metrics.breaker(tenant: tenant, open: true)
            logger.warning(
                "webhook endpoint unreachable; circuit opened",
                metadata: ["tenant": "\(tenant)", "pauseMs": "\(milliseconds)"])
        case .closed:
            metrics.breaker(tenant: tenant, open: false)
            logger.info("webhook endpoint answers again; circuit closed", metadata: ["tenant": "\(tenant)"])
        }
    }

    /// Why a record is dead-lettered. `attemptAt`: the attempt that just ended it (not yet counted
    /// in `pending`); nil when no request was sent or `pending` already counts it.
    private func cause(
        _ pending: PendingDelivery, reason: DeadLetterReason, error: String, status: Int?, now: Int64,
        attemptAt: Int64? = nil
    ) -> DeadLetterCause {
        let attempts = pending.attempts + (attemptAt == nil ? 0 : 1)
        let first = pending.firstAttempt ?? attemptAt ?? now
        let last = attemptAt ?? pending.lastAttempt ?? now
        return DeadLetterCause(
            reason: reason, error: error, httpStatus: status, attempts: attempts,
            firstAttempt: .init(milliseconds: first), lastAttempt: .init(milliseconds: last))
    }

    // MARK: Kafka writes

    enum WriteResult {
        case written
        case refused(String)
        case abandoned
    }

    /// Makes one write of the state machine: `abandoned` when its partition was revoked or the
    /// sink is stopping, `refused` when Kafka will never take it. A dead letter Kafka refuses
    /// (too large) is written again smaller (`DeadLetterCopy`), the refusal noted.
    private func write(_ write: Machine.Write, ticket: Machine.WriteTicket) async -> WriteResult {
        let isCurrent = { self.isCurrent(ticket.partition, ticket.generation) }
        switch write {
        case .retryEntry(let pending):
            let result = await produce(RetryLog.entry(pending, topic: configuration.retryLogTopic), while: isCurrent)
            if case .refused(let reason) = result {
                metrics.writeRefused(topic: configuration.retryLogTopic)
                logger.warning(
                    "the retry log refused an entry; the record is handled without it",
                    metadata: [
                        "topic": "\(pending.record.topic)", "offset": "\(pending.record.offset)", "error": "\(reason)",
                    ])
            }
            return result
        case .tombstone(let pending):
            return await produce(RetryLog.tombstone(pending, topic: configuration.retryLogTopic), while: isCurrent)
        case .deadLetter(let original, let tenant, let cause):
            var copy = DeadLetterCopy(of: original, cause: cause, consumerGroup: configuration.consumerGroup)
            var result = await produce(copy.record, while: isCurrent)
            while case .refused(let reason) = result {
                metrics.writeRefused(topic: PaymentTopics.deadLetter(of: original.topic))
                guard copy.shorten(refusedBecause: reason) else {
                    logger.error(
                        "the dead-letter topic refused a record, even without its value and headers",
                        metadata: ["topic": "\(original.topic)", "offset": "\(original.offset)", "error": "\(reason)"])
                    break
                }
                result = await produce(copy.record, while: isCurrent)
            }
            if case .written = result { counted(deadLetter: original, tenant: tenant, cause: cause) }
            return result
        }
    }

    private func counted(deadLetter original: ConsumerRecord, tenant: String, cause: DeadLetterCause) {
        metrics.delivery(tenant: tenant, outcome: .deadLettered)
        metrics.deadLetter(topic: original.topic, reason: cause.reason.rawValue)
        state.withLock {
            $0.totals.deadLettered += 1
            $0.totals.count(\.deadLettered, tenant: tenant)
        }
        logger.debug(
            "webhook dead-lettered",
            metadata: [
                "tenant": "\(tenant)", "topic": "\(original.topic)", "partition": "\(original.partition)",
                "offset": "\(original.offset)", "reason": "\(cause.reason.rawValue)", "error": "\(cause.error)",
            ])
    }

    /// Produces and waits for the broker's acknowledgement, trying again while Kafka cannot take
    /// it yet and `isCurrent` holds (the record's offset is held until then, so nothing is lost);
    /// `refused` for an error that no retry changes (a record too large, an invalid one).
    private func produce(_ record: ProducerRecord, while isCurrent: () -> Bool) async -> WriteResult {
        var backoff = Backoff(first: .milliseconds(100), max: .seconds(5))
        while !Task.isCancelled, isCurrent() {
            do {
                try await producer.send(record)
                return .written
            } catch  where error.refusesRecord {
                return .refused(error.description)
            } catch {
                if Task.isCancelled { return .abandoned }
                logger.warning(
                    "cannot write to Kafka yet; trying again",
                    metadata: ["topic": "\(record.topic)", "error": "\(error)"])
                guard (try? await Task.sleep(for: backoff.next())) != nil else { return .abandoned }
            }
        }
        return .abandoned
    }

    // MARK: Commits and rebalances

    private func commitPeriodically() async {
        var sinceReport = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.commitInterval)
            await commit()
            sinceReport += 1
            if sinceReport >= 10 {
                sinceReport = 0
                reportPending()
            }
        }
    }

    private func commit() async {
        let offsets = state.withLock { $0.machine.commitPositions() }
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets)
            state.withLock { s in
                s.machine.committed(offsets)
                s.rebalancingSince = nil
            }
        } catch {
            if error.code == .rebalanceInProgress || error.code == .illegalGeneration {
                let first = state.withLock { s in
                    defer { s.rebalancingSince = s.rebalancingSince ?? .now }
                    return s.rebalancingSince == nil
                }
                if first {
                    logger.info(
                        "consumer group rebalancing; new requests wait for it to end", metadata: ["error": "\(error)"])
                }
            } else {
                logger.warning("webhook sink commit failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    private func reportPending() {
        let counts = state.withLock { s -> [String: Int] in
            var counts: [String: Int] = [:]
            for tenant in s.roster.tenants.keys { counts[tenant] = 0 }
            for partition in s.machine.assigned {
                guard let tenant = PaymentTopics.route(ofResponses: partition.topic)?.tenant else { continue }
                counts[tenant, default: 0] += s.machine.parked(in: partition)
            }
            return counts
        }
        for (tenant, count) in counts { metrics.pending(tenant: tenant, count: count) }
    }

    /// Stops every worker, then commits what was finished.
    private func stopWorkers() async {
        let (revocation, workers) = state.withLock { s in
            let revocation = s.machine.revoke(Array(s.machine.assigned), lost: false)
            let workers = s.workers.values.flatMap(\.values) + (s.loader.map { [$0] } ?? [])
            s.workers = [:]
            return (revocation, workers)
        }
        await stop(workers, thenCommit: revocation.commit)
    }

    /// Cancels and awaits workers, flushes the producer (so the next owner reads every retry-log
    /// write), then commits `offsets`.
    private func stop(_ workers: [Task<Void, Never>], thenCommit offsets: [TopicPartitionOffset]) async {
        for worker in workers { worker.cancel() }
        for worker in workers { await worker.value }
        try? await producer.flush(timeout: .seconds(10))
        guard !offsets.isEmpty else { return }
        do { try await consumer.commit(offsets) } catch {
            logger.warning("webhook sink commit failed", metadata: ["error": "\(error)"])
        }
    }

    /// Awaited by the consumer's poll. New partitions are paused until their retry log is
    /// loaded. Revoked or lost ones are forgotten by the state machine at once; their workers are
    /// cancelled and awaited, the producer is flushed (so the next owner reads every retry-log
    /// write), and only then is what was finished committed (not for lost partitions).
    private func rebalanced(_ event: RebalanceEvent) async {
        switch event {
        case .assigned(let partitions):
            logger.info(
                "webhook sink partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
            let actions = state.withLock { s in
                s.joined = true
                s.rebalancingSince = nil
                return s.machine.assign(partitions)
            }
            do { try perform(actions) } catch {
                logger.error("cannot pause newly assigned partitions", metadata: ["error": "\(error)"])
            }
        case .revoked(let partitions), .lost(let partitions):
            let isLost = if case .lost = event { true } else { false }
            logger.info(
                isLost ? "webhook sink partitions lost" : "webhook sink partitions revoked",
                metadata: ["partitions": "\(partitions.map(\.description))"])
            let (revocation, workers) = state.withLock { s in
                s.rebalancingSince = nil
                let revoked = Set(partitions)
                s.revokedSincePoll.formUnion(revoked)
                s.due.removeAll { revoked.contains($0.partition) }
                for tenant in s.roster.held.keys { s.roster.held[tenant]?.removeAll { revoked.contains($0.partition) } }
                let revocation = s.machine.revoke(partitions, lost: isLost)
                let workers = partitions.flatMap { s.workers.removeValue(forKey: $0)?.values.map { $0 } ?? [] }
                return (revocation, workers)
            }
            await stop(workers, thenCommit: revocation.commit)
        }
    }
}
