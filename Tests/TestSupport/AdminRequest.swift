import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Sends a request to the admin API on 127.0.0.1:`port` with a bearer `token`: the status and the body.
public func adminRequest(
    port: Int, _ method: HTTPMethod, _ path: String, body: String? = nil, token: String
) async throws -> (status: UInt, body: String) {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
}
