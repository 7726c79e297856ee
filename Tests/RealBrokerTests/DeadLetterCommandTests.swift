import Foundation
import Kafka
import TestSupport
import Testing

@Suite(
    "dlt list, show and replay on a real broker", .serialized,
    onCurrentLibrdkafkaOnly)
struct DeadLetterCommandTests {
    static let secret = "whsec_" + Data("dlt-partner-secret".utf8).base64EncodedString()
    static let responseDLT = "payments.responses.partner.PARTNER-ABC.DLT"

    @Test(
        "records refused by a partner are listed, shown, replayed once when the partner is fixed, and a second replay publishes nothing"
    )
    func refusedRecordsAreReplayedOnce() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let partner = try PartnerEndpoint(secret: Self.secret, trouble: .refusing)
        let adminPort = try freeLoopbackPort()
        let service = try ServiceProcess(
            config: partner.serviceConfig(broker: broker, adminPort: adminPort), adminPort: adminPort)
        try await service.waitForReady()

        var eventIds: [String: [String]] = [:]
        var events: [ProducerRecord] = []
        for paymentId in ["ABC-1", "ABC-2"] {
            for type in ["PaymentInitiatedEvent", "PaymentCompletedEvent"] {
                let id = UUID().uuidString.lowercased()
                eventIds[paymentId, default: []].append(id)
                events.append(
                    ProducerRecord(
                        topic: "payments.events", key: Array(paymentId.utf8),
                        value: internalEvent(paymentId: paymentId, tenantId: "PARTNER-ABC", type: type, eventId: id)))
            }
        }
        events.append(ProducerRecord(topic: "payments.events", key: Array("BAD".utf8), value: Array("{not json".utf8)))
        try await produceAll(events, kafka: broker.kafka)

        // The partner refuses everything: four records in the response DLT.
        var listed: [[String: Any]] = []
        var last: DLTResult?
        do {
            try await waitUntil("four dead letters", timeout: .seconds(60)) {
                last = try dlt(["list", "--topic", Self.responseDLT, "--json"], config: service.configPath)
                listed = last!.lines
                return listed.count == 4
            }
        } catch {
            Issue.record(
                "dlt list: status \(last?.status ?? -1), output \(last?.output ?? ""), error \(last?.error ?? "")")
            throw error
        }
        #expect(
            listed.allSatisfy {
                $0["reason"] as? String == "http_status" && $0["httpStatus"] as? Int == 400
                    && $0["attempts"] as? Int == 1
            })
        #expect(Set(listed.compactMap { $0["key"] as? String }) == ["ABC-1", "ABC-2"])
        let table = try dlt(["list", "--topic", Self.responseDLT], config: service.configPath)
        #expect(
            table.output.contains("PARTITION  OFFSET  KEY") && table.output.contains("http_status")
                && table.output.contains("4 record(s)"))

        let first = try #require(listed.first)
        let shown = try dlt(
            [
                "show", "--topic", Self.responseDLT, "--partition", "\(first["partition"]!)", "--offset",
                "\(first["offset"]!)",
            ],
            config: service.configPath)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
        let value = try #require(document["value"] as? [String: Any])
        #expect(value["paymentId"] as? String == first["key"] as? String)
        #expect(eventIds[first["key"] as! String]?.contains(value["eventId"] as? String ?? "") == true)
        let headers = try #require(document["headers"] as? [[Any]])
        #expect(headers.contains { $0.first as? String == "dlt.reason" && $0.last as? String == "http_status" })
        #expect(headers.contains { $0.first as? String == "eventId" })

        // The bridge's DLT holds the malformed event, shown as the text it was.
        let bad = try dlt(["list", "--topic", "payments.events.DLT", "--json"], config: service.configPath).lines
        #expect(bad.map { $0["reason"] as? String } == ["invalid_event"])
        let badEntry = try #require(bad.first)
        let badShown = try dlt(
            [
                "show", "--topic", "payments.events.DLT", "--partition", "\(badEntry["partition"]!)",
                "--offset", "\(badEntry["offset"]!)",
            ], config: service.configPath)
        let badDocument = try #require(
            try JSONSerialization.jsonObject(with: Data(badShown.output.utf8)) as? [String: Any])
        #expect(badDocument["value"] as? String == "{not json")

        // The partner fixes its endpoint; one replay delivers every record once.
        try partner.recover()
        let replay = try dlt(["replay", "--topic", Self.responseDLT, "--all"], config: service.configPath)
        #expect(replay.output.contains("selected 4, replayed 4, already replayed before 0"))
        try await waitUntil("four deliveries") {
            partner.requests.filter { $0["status"] as? Int == 200 }.count >= 4
        }
        let again = try dlt(["replay", "--topic", Self.responseDLT, "--all"], config: service.configPath)
        #expect(again.output.contains("selected 4, replayed 0, already replayed before 4"))
        try await Task.sleep(for: .seconds(3))
        let delivered = partner.requests.filter { $0["status"] as? Int == 200 }
        #expect(delivered.count == 4, "each record delivered exactly once more")
        #expect(delivered.allSatisfy { $0["verified"] as? Bool == true })
        for (paymentId, ids) in eventIds {
            #expect(
                delivered.filter { $0["paymentId"] as? String == paymentId }.compactMap { $0["eventId"] as? String }
                    == ids,
                "order of \(paymentId)")
        }

        // Bad arguments: clear errors and a non-zero exit.
        let notDLT = try dlt(["list", "--topic", "payments.events"], config: service.configPath)
        #expect(notDLT.status != 0 && notDLT.error.contains("not a dead-letter topic"))
        let unknown = try dlt(["list", "--topic", "nothing.here.DLT"], config: service.configPath)
        #expect(unknown.status != 0 && unknown.error.contains("does not exist"))
        let outOfRange = try dlt(
            ["show", "--topic", Self.responseDLT, "--partition", "0", "--offset", "999"], config: service.configPath)
        #expect(outOfRange.status != 0 && outOfRange.error.contains("no record at partition 0, offset 999"))
        let badRange = try dlt(
            ["replay", "--topic", Self.responseDLT, "--partition", "0", "--from-offset", "500", "--to-offset", "600"],
            config: service.configPath)
        #expect(badRange.status != 0 && badRange.error.contains("not within partition 0"))
        let badReason = try dlt(
            ["replay", "--topic", Self.responseDLT, "--reason", "bogus"], config: service.configPath)
        #expect(badReason.status != 0 && badReason.error.contains("unknown reason 'bogus'"))
        let noSelection = try dlt(["replay", "--topic", Self.responseDLT], config: service.configPath)
        #expect(noSelection.status != 0 && noSelection.error.contains("choose exactly one"))
        #expect(
            !leaksSecret(Self.secret, in: shown.output + table.output + service.log + (try await service.metrics())),
            "the webhook secret appears in DLT records, logs or metrics")
        #expect(service.terminate() == 0)
    }
}

/// What a `payments-bridge dlt …` run printed.
struct DLTResult {
    var status: Int32
    var output: String
    var error: String
    var lines: [[String: Any]] {
        output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

/// Runs `payments-bridge dlt …` with the service's configuration and collects its output.
func dlt(_ arguments: [String], config: String) throws -> DLTResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments =
        ["dlt"] + arguments + ["--config", config, "--schemas", repositoryRoot.appendingPathComponent("schemas").path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return DLTResult(
        status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
        error: String(decoding: error, as: UTF8.self))
}
