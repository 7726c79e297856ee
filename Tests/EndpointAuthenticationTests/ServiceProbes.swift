import App
import Kafka
import TestSupport

/// A `PaymentInitiatedEvent` of `tenant` for each payment `<prefix>-P<index>` of `range`.
func initiatedEvents(_ tenant: String, prefix: String, _ range: Range<Int>) -> [ProducerRecord] {
    range.map { index in
        ProducerRecord(
            topic: "payments.events", key: Array("\(prefix)-P\(index)".utf8),
            value: internalEvent(paymentId: "\(prefix)-P\(index)", tenantId: tenant, type: "PaymentInitiatedEvent"))
    }
}

/// The metric of when `tenant`'s client certificate expires (seconds since the epoch), if exported.
func clientCertificateExpiry(_ app: BridgeApplication, tenant: String) -> Double? {
    var buffer: [UInt8] = []
    app.metrics.emit(into: &buffer)
    let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first {
        $0.hasPrefix("payments_bridge_webhook_client_certificate_expiry_seconds{tenant=\"\(tenant)\"}")
    }
    return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
}
