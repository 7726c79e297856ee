/// Why a record was dead-lettered: the `dlt.reason` header.
public enum DeadLetterReason: String, Sendable, CaseIterable {
    case invalidEvent = "invalid_event"
    case unknownTenant = "unknown_tenant"
    case oversized
    /// A valid event the response schema the bridge writes (`bridge.schemaVersion`) cannot carry.
    case unsupportedBySchema = "unsupported_by_schema"
    case decodeError = "decode_error"
    case httpStatus = "http_status"
    case retriesExhausted = "retries_exhausted"
    case endpointGone = "endpoint_gone"
    case endpointBlocked = "endpoint_blocked"
}
