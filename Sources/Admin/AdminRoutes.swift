import Avro
import Foundation
import Hummingbird
import Prometheus

/// The admin HTTP surface: liveness, readiness, Prometheus metrics and the embedded schema
/// registry's read-only calls (the ones stock Confluent deserializers make), all open; and the
/// admin API under `/admin/`, behind bearer tokens.
public enum AdminRoutes {
    public static func router(
        readiness: @escaping @Sendable () async -> Readiness,
        metrics: PrometheusCollectorRegistry,
        registry: EmbeddedSchemaRegistry?,
        authenticator: AdminAuthenticator = AdminAuthenticator(tokens: []),
        tenants: any TenantAdministration = ConfiguredTenants([]),
        trace: PaymentTraces? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        addTenantRoutes(to: router, authenticator: authenticator, tenants: tenants, trace: trace)
        router.get("/health/live") { _, _ in
            json(["status": "up"])
        }
        router.get("/health/ready") { _, _ in
            let state = await readiness()
            return json(
                ["status": state.isReady ? "ready" : "not_ready", "reasons": state.reasons],
                status: state.isReady ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        if let registry {
            addRegistryRoutes(to: router, registry: registry)
        }
        return router
    }

    private static func addRegistryRoutes(to router: Router<BasicRequestContext>, registry: EmbeddedSchemaRegistry) {
        router.get("/schemas/ids/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int32.self), let schema = registry.lookup(id: id) else {
                return registryError(40403, "Schema not found", status: .notFound)
            }
            return json(["schema": schema.text])
        }
        router.get("/subjects") { _, _ in
            json(registry.subjects)
        }
        router.get("/subjects/:subject/versions") { _, context in
            let subject = context.parameters.get("subject") ?? ""
            let versions = registry.versions(of: subject)
            return versions.isEmpty
                ? registryError(40401, "Subject '\(subject)' not found.", status: .notFound) : json(versions)
        }
        router.get("/subjects/:subject/versions/:version") { _, context in
            let subject = context.parameters.get("subject") ?? ""
            let versionText = context.parameters.get("version") ?? ""
            let number: Int? = versionText == "latest" || versionText == "-1" ? nil : Int(versionText)
            if number == nil, versionText != "latest", versionText != "-1" {
                return registryError(
                    42202, "The specified version '\(versionText)' is not a valid version id.",
                    status: .unprocessableContent)
            }
            guard registry.versions(of: subject).isEmpty == false else {
                return registryError(40401, "Subject '\(subject)' not found.", status: .notFound)
            }
            guard let found = registry.version(number, of: subject) else {
                return registryError(40402, "Version \(versionText) not found.", status: .notFound)
            }
            return json(
                ["subject": subject, "version": found.version, "id": Int(found.id), "schema": found.schema.text]
                    as [String: Any])
        }
    }

    /// The admin API (`/admin/…`, bearer tokens): the tenants.
    /// A payment's trace as JSON; nil when nothing is known of it.
    public typealias PaymentTraces = @Sendable (_ paymentId: String) async throws -> [UInt8]?

    private static func addTenantRoutes(
        to router: Router<BasicRequestContext>, authenticator: AdminAuthenticator, tenants: any TenantAdministration,
        trace: PaymentTraces?
    ) {
        // The API's own description is open (it holds nothing secret), so tools can read it first.
        router.get("admin/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.admin_openapi_yaml)))
        }
        let admin = router.group("admin").add(middleware: AdminAuthentication(authenticator: authenticator))
        admin.get("payments/:paymentId") { _, context in
            let id = context.parameters.get("paymentId") ?? ""
            guard let trace else { return problem(.notFound, "the payment history is off (history.enabled: false)") }
            guard let document = try await trace(id) else {
                return problem(.notFound, "nothing known of payment '\(id)'")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        admin.get("tenants") { _, _ in
            encoded(["tenants": tenants.list()])
        }
        admin.get("tenants/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let tenant = tenants.get(id) else { return problem(.notFound, "no tenant '\(id)'") }
            return encoded(tenant)
        }
        admin.put("tenants/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let caller = callerName(request, authenticator)
            return response(await tenants.put(id: id, json: String(buffer: body), caller: caller))
        }
        admin.delete("tenants/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return response(await tenants.delete(id: id, caller: callerName(request, authenticator)))
        }
        admin.post("tenants/:id/rotate-secret") { request, context in
            let id = context.parameters.get("id") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let fields: [String: String]
            switch rotationFields(body) {
            case .success(let found): fields = found
            case .failure(let problem): return response(.invalid(problem.message))
            }
            return response(
                await tenants.rotateSecret(
                    id: id, secret: fields["secret"], overlap: fields["overlap"],
                    caller: callerName(request, authenticator)))
        }
        for action in TenantAction.allCases {
            admin.post("tenants/:id/\(action.rawValue)") { request, context in
                let id = context.parameters.get("id") ?? ""
                return response(await tenants.act(action, id: id, caller: callerName(request, authenticator)))
            }
        }
        // Other methods on these paths: 405 with the methods there are (after authentication).
        let all: [HTTPRequest.Method] =
            [.get, .head, .post, .put, .delete, .patch, .options, .trace, .connect]
            + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for method in all {
            if method != .get {
                admin.on("tenants", method: method) { _, _ in methodNotAllowed("GET") }
                router.on("admin/openapi.yaml", method: method) { _, _ in methodNotAllowed("GET") }
            }
            if ![.get, .put, .delete].contains(method) {
                admin.on("tenants/:id", method: method) { _, _ in methodNotAllowed("GET, PUT, DELETE") }
            }
            if method != .post {
                for action in ["rotate-secret"] + TenantAction.allCases.map(\.rawValue) {
                    admin.on("tenants/:id/\(action)", method: method) { _, _ in methodNotAllowed("POST") }
                }
            }
        }
    }

    private struct InvalidBody: Error {
        let message: String
    }

    /// The optional body of a rotation: nothing, or a JSON object with `secret` and `overlap`, both
    /// strings.
    private static func rotationFields(_ body: ByteBuffer) -> Result<[String: String], InvalidBody> {
        guard body.readableBytes > 0 else { return .success([:]) }
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body), options: [.fragmentsAllowed])
                as? [String: Any]
        else { return .failure(InvalidBody(message: "the body must be a JSON object: {\"secret\", \"overlap\"}")) }
        var fields: [String: String] = [:]
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard key == "secret" || key == "overlap" else {
                return .failure(InvalidBody(message: "\(key): unknown key (known keys: overlap, secret)"))
            }
            guard let text = value as? String else {
                return .failure(InvalidBody(message: "\(key): expected a string"))
            }
            fields[key] = text
        }
        return .success(fields)
    }

    /// The caller's name (the admin token's), for the audit trail.
    private static func callerName(_ request: Request, _ authenticator: AdminAuthenticator) -> String {
        if case .caller(let name) = authenticator.authenticate(authorization: request.headers[.authorization]) {
            return name
        }
        return "unknown"
    }

    private static func response(_ outcome: TenantChangeOutcome) -> Response {
        switch outcome {
        case .created(let tenant): encoded(tenant, status: .created)
        case .replaced(let tenant): encoded(tenant)
        case .rotated(let rotation): encoded(rotation)
        case .deleted: Response(status: .noContent)
        case .notFound(let message): problem(.notFound, message)
        case .conflict(let message): problem(.conflict, message)
        case .invalid(let message): problem(.unprocessableContent, message)
        case .unavailable(let message): problem(.serviceUnavailable, message)
        }
    }

    private static func methodNotAllowed(_ allowed: String) -> Response {
        var response = problem(.methodNotAllowed, "this path answers \(allowed) only")
        response.headers[.allow] = allowed
        return response
    }

    /// An error of the admin API: `{"error": message}`.
    static func problem(_ status: HTTPResponse.Status, _ message: String, challenge: Bool = false) -> Response {
        var response = json(["error": message], status: status)
        if challenge { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    private static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func registryError(_ code: Int, _ message: String, status: HTTPResponse.Status) -> Response {
        json(["error_code": code, "message": message] as [String: Any], status: status)
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
