import Payments
import Testing

@Suite struct PaymentTopicsTests {
    @Test func routesTopicsToTenantsAndChannels() {
        #expect(PaymentTopics.route(ofResponses: "payments.responses.partner.PARTNER-ABC")?.tenant == "PARTNER-ABC")
        #expect(PaymentTopics.route(ofResponses: "payments.responses.web.a.b")?.tenant == "a.b")
        #expect(PaymentTopics.route(ofResponses: "payments.responses.web.a.b")?.channel == .web)
        #expect(PaymentTopics.route(ofResponses: "payments.events") == nil)
        #expect(PaymentTopics.responsesSubscription(forTenant: "a.b").hasSuffix("\\.a\\.b$"))
    }

    @Test("a response topic names its tenant and channel back", arguments: PaymentChannel.allCases)
    func responseTopicsRoundTrip(channel: PaymentChannel) throws {
        let route = try #require(
            PaymentTopics.route(ofResponses: PaymentTopics.responses(channel: channel, tenantId: "T.1")))
        #expect(route.tenant == "T.1" && route.channel == channel)
        #expect(PaymentTopics.responsesSubscription(forTenant: "T.1").contains(channel.topicFragment))
    }

    @Test func deadLetterTopicsAndTheirSources() {
        #expect(PaymentTopics.deadLetter(of: "payments.events") == "payments.events.DLT")
        #expect(PaymentTopics.source(ofDeadLetter: "payments.events.DLT") == "payments.events")
        #expect(
            PaymentTopics.source(ofDeadLetter: PaymentTopics.deadLetter(of: "payments.responses.web.T"))
                == "payments.responses.web.T")
        #expect(PaymentTopics.source(ofDeadLetter: "payments.events") == nil)
        #expect(PaymentTopics.source(ofDeadLetter: ".DLT") == nil)
    }

    @Test func sinkTopicsOfAConsumerGroup() {
        #expect(PaymentTopics.retryLog(ofGroup: "payments-webhook-sink") == "payments-webhook-sink.retries")
        #expect(PaymentTopics.attempts(ofGroup: "payments-webhook-sink") == "payments-webhook-sink.attempts")
    }
}
