/// Polls `condition` every `interval` until it holds; returns how long that took, or throws
/// after `timeout`. The one waiting loop of the tests.
@discardableResult
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Duration {
    let started = ContinuousClock.now
    while try await !condition() {
        guard ContinuousClock.now - started < timeout else { throw WaitTimeout(what: what, timeout: timeout) }
        try await Task.sleep(for: interval)
    }
    return ContinuousClock.now - started
}

public struct WaitTimeout: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public var description: String { "timed out after \(timeout) waiting until \(what)" }
}

/// Runs `service` while `body` runs, then cancels it (as a SIGTERM would) and waits for it to stop.
public func whileRunning<T: Sendable>(
    _ service: @escaping @Sendable () async throws -> Void, _ body: @Sendable () async throws -> T
) async throws -> T {
    let task = Task { try await service() }
    defer { task.cancel() }
    let result = try await body()
    task.cancel()
    _ = await task.result
    return result
}
