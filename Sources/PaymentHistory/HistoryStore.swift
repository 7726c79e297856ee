import Foundation
import GRDB
import Kafka
import Payments

/// The materialized view's store: an embedded SQLite database (GRDB, write-ahead log) holding per
/// payment its latest status, its history, its delivery attempts and its dead letters, with the
/// Kafka positions the rows come from. A batch and its positions are written in one transaction,
/// and every row is keyed by where it was read, so reading a record again changes nothing:
/// exactly-once into the store. Readers (the status API, the trace) never wait for the writer.
public final class HistoryStore: Sendable {
    private let pool: DatabasePool
    public let path: String

    /// Opens (or creates) the database at `path`.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // More readers than the cooperative pool has threads: the status API reads on its
        // caller's thread (see `status`), which then never waits for a connection.
        configuration.maximumReaderCount = max(5, ProcessInfo.processInfo.activeProcessorCount + 2)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE payment (
                        tenant TEXT NOT NULL, payment_id TEXT NOT NULL, status TEXT NOT NULL,
                        event_type TEXT NOT NULL, sub_reason TEXT, updated_at INTEGER NOT NULL,
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
                        PRIMARY KEY (tenant, payment_id)) WITHOUT ROWID;
                    CREATE TABLE response (
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
                        tenant TEXT NOT NULL, payment_id TEXT NOT NULL, event_id TEXT NOT NULL,
                        event_type TEXT NOT NULL, status TEXT NOT NULL, sub_reason TEXT,
                        timestamp INTEGER NOT NULL, written_at INTEGER,
                        PRIMARY KEY (topic, partition, "offset"));
                    CREATE INDEX response_by_payment ON response (payment_id);
                    CREATE TABLE attempt (
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
                        payment_id TEXT NOT NULL, entry BLOB NOT NULL,
                        PRIMARY KEY (topic, partition, "offset"));
                    CREATE INDEX attempt_by_payment ON attempt (payment_id);
                    CREATE TABLE dead_letter (
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
                        payment_id TEXT NOT NULL, entry BLOB NOT NULL,
                        PRIMARY KEY (topic, partition, "offset"));
                    CREATE INDEX dead_letter_by_payment ON dead_letter (payment_id);
                    CREATE TABLE position (
                        topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
                        PRIMARY KEY (topic, partition)) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    // MARK: Writing

    /// Adds a batch and moves the positions, in one transaction. Rows already present (a record
    /// read again after a crash) are left as they are; a position never moves back.
    public func apply(_ batch: HistoryBatch) async throws {
        guard !batch.isEmpty else { return }
        try await pool.write { db in try Self.apply(batch, to: db) }
    }

    private static func apply(_ batch: HistoryBatch, to db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let response = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO response VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let payment = try db.cachedStatement(
            sql: """
                INSERT INTO payment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, payment_id) DO UPDATE SET
                    status = excluded.status, event_type = excluded.event_type, sub_reason = excluded.sub_reason,
                    updated_at = excluded.updated_at, topic = excluded.topic, partition = excluded.partition,
                    "offset" = excluded."offset"
                WHERE excluded.updated_at > payment.updated_at
                    OR (excluded.updated_at = payment.updated_at AND excluded."offset" > payment."offset")
                """)
        for entry in batch.responses {
            let p = entry.position
            try response.execute(arguments: [
                p.topic, p.partition, p.offset, entry.tenant, entry.paymentId, entry.eventId, entry.eventType,
                entry.status, entry.subReason, entry.timestamp, entry.writtenAt,
            ])
            guard db.changesCount > 0 else { continue }
            try payment.execute(arguments: [
                entry.tenant, entry.paymentId, entry.status, entry.eventType, entry.subReason, entry.timestamp,
                p.topic, p.partition, p.offset,
            ])
        }
        let attempt = try db.cachedStatement(sql: "INSERT OR IGNORE INTO attempt VALUES (?, ?, ?, ?, ?)")
        for entry in batch.attempts {
            let p = entry.position
            try attempt.execute(arguments: [
                p.topic, p.partition, p.offset, entry.attempt.paymentId, Data(entry.attempt.encoded()),
            ])
        }
        let deadLetter = try db.cachedStatement(sql: "INSERT OR IGNORE INTO dead_letter VALUES (?, ?, ?, ?, ?)")
        for entry in batch.deadLetters {
            let p = entry.position
            try deadLetter.execute(arguments: [
                p.topic, p.partition, p.offset, entry.paymentId, try encoder.encode(entry),
            ])
        }
        let position = try db.cachedStatement(
            sql: """
                INSERT INTO position VALUES (?, ?, ?)
                ON CONFLICT (topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)
                """)
        for (partition, next) in batch.positions {
            try position.execute(arguments: [partition.topic, partition.partition, next])
        }
    }

    // MARK: Reading

    /// Where reading resumes: the next offset of every partition read so far.
    public func positions() async throws -> [TopicPartition: Int64] {
        try await pool.read { db in
            var positions: [TopicPartition: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT topic, partition, next_offset FROM position") {
                positions[TopicPartition(topic: row[0], partition: row[1])] = row[2]
            }
            return positions
        }
    }

    /// A payment of a tenant as the status API shows it; nil when the tenant has no such payment.
    ///
    /// The read runs on the calling thread: a few indexed lookups in pages the cache holds take
    /// tens of microseconds, less than the hop to GRDB's reader queue and back, which cost the
    /// status API most of its CPU (thread wake-ups) under load. The reader pool has more
    /// connections than the cooperative pool has threads, so a caller does not wait for one
    /// (other readers, the trace and the ingest's positions, hold one only for a read).
    public func status(tenant: String, paymentId: String) async throws -> PaymentState? {
        try readOnCallingThread { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT status, event_type, sub_reason, updated_at FROM payment
                            WHERE tenant = ? AND payment_id = ?
                            """), arguments: [tenant, paymentId])
            else { return nil }
            let trace = try Self.trace(paymentId: paymentId, tenant: tenant, in: db)
            return PaymentState(
                paymentId: paymentId, tenant: tenant, status: row[0], eventType: row[1], subReason: row[2],
                updatedAt: row[3],
                history: trace.records.map {
                    .init(eventType: $0.eventType, status: $0.status, subReason: $0.subReason, timestamp: $0.timestamp)
                },
                delivery: DeliverySummary(trace))
        }
    }

    private func readOnCallingThread<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Everything the view holds about a payment, over all tenants: its response records, its
    /// delivery attempts and its dead letters, each in order.
    public func trace(paymentId: String) async throws -> PaymentTrace {
        try await pool.read { db in try Self.trace(paymentId: paymentId, tenant: nil, in: db) }
    }

    private static func trace(paymentId: String, tenant: String?, in db: Database) throws -> PaymentTrace {
        let decoder = JSONDecoder()
        let records = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT topic, partition, "offset", tenant, event_id, event_type, status, sub_reason, timestamp,
                    written_at FROM response WHERE payment_id = ? AND (?2 IS NULL OR tenant = ?2)
                    ORDER BY timestamp, "offset"
                    """), arguments: [paymentId, tenant]
        ).map { row in
            ResponseEntry(
                position: RecordPosition(topic: row[0], partition: row[1], offset: row[2]), tenant: row[3],
                paymentId: paymentId, eventId: row[4], eventType: row[5], status: row[6], subReason: row[7],
                timestamp: row[8], writtenAt: row[9])
        }
        let attempts = try Row.fetchAll(
            db.cachedStatement(sql: #"SELECT topic, partition, "offset", entry FROM attempt WHERE payment_id = ?"#),
            arguments: [paymentId]
        ).compactMap { row -> AttemptEntry? in
            guard let attempt = DeliveryAttempt.decoded(from: Array(row[3] as Data)) else { return nil }
            guard tenant == nil || attempt.tenant == tenant else { return nil }
            return AttemptEntry(
                position: RecordPosition(topic: row[0], partition: row[1], offset: row[2]), attempt: attempt)
        }.sorted { ($0.attempt.sentAt, $0.position.offset) < ($1.attempt.sentAt, $1.position.offset) }
        let deadLetters = try Row.fetchAll(
            db.cachedStatement(
                sql: #"SELECT entry FROM dead_letter WHERE payment_id = ? ORDER BY topic, partition, "offset""#),
            arguments: [paymentId]
        ).compactMap { row in try? decoder.decode(DeadLetterEntry.self, from: row[0] as Data) }
            .filter { tenant == nil || $0.tenant == tenant }
        return PaymentTrace(paymentId: paymentId, records: records, attempts: attempts, deadLetters: deadLetters)
    }

    /// Rows per table, and the file's size in bytes (for the view's figures).
    public func size() async throws -> (payments: Int, responses: Int, attempts: Int, bytes: Int) {
        try await pool.read { db in
            let count = { (table: String) in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return (try count("payment"), try count("response"), try count("attempt"), pages * pageSize)
        }
    }

    /// Writes the log into the database file (for a size measurement).
    public func checkpoint() async throws {
        try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
