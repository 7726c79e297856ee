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
        tenants: @escaping @Sendable () -> [TenantView] = { [] }
    ) -> Router<BasicRequestContext> {
        let router = Router()
        addTenantRoutes(to: router, authenticator: authenticator, tenants: tenants)
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

    /// The admin API (`/admin/…`, bearer tokens): the tenants, read-only.
    private static func addTenantRoutes(
        to router: Router<BasicRequestContext>, authenticator: AdminAuthenticator,
        tenants: @escaping @Sendable () -> [TenantView]
    ) {
        // The API's own description is open (it holds nothing secret), so tools can read it first.
        router.get("admin/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.admin_openapi_yaml)))
        }
        let admin = router.group("admin").add(middleware: AdminAuthentication(authenticator: authenticator))
        admin.get("tenants") { _, _ in
            encoded(["tenants": tenants()])
        }
        admin.get("tenants/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let tenant = tenants().first(where: { $0.id == id }) else {
                return problem(.notFound, "no tenant '\(id)'")
            }
            return encoded(tenant)
        }
        // Other methods on these paths: 405 with the methods there are (after authentication).
        let others: [HTTPRequest.Method] =
            [.head, .post, .put, .patch, .delete, .options, .trace, .connect]
            + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for method in others {
            for path in ["tenants", "tenants/:id"] {
                admin.on(RouterPath(path), method: method) { _, _ in methodNotAllowed() }
            }
            router.on("admin/openapi.yaml", method: method) { _, _ in methodNotAllowed() }
        }
    }

    private static func methodNotAllowed() -> Response {
        var response = problem(.methodNotAllowed, "this path answers GET only")
        response.headers[.allow] = "GET"
        return response
    }

    /// An error of the admin API: `{"error": message}`.
    static func problem(_ status: HTTPResponse.Status, _ message: String, challenge: Bool = false) -> Response {
        var response = json(["error": message], status: status)
        if challenge { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    private static func encoded(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
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
