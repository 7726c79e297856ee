import Hummingbird

/// Lets a request through to the admin API only with a configured bearer token: 401 (with
/// `WWW-Authenticate: Bearer`) without one or with a wrong one, 403 when no tokens are
/// configured (the admin API is off).
struct AdminAuthentication<Context: RequestContext>: RouterMiddleware {
    let authenticator: AdminAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        switch authenticator.authenticate(authorization: request.headers[.authorization]) {
        case .caller:
            return try await next(request, context)
        case .missing:
            return AdminRoutes.problem(
                .unauthorized, "an admin token is required (Authorization: Bearer <token>)",
                challenge: true)
        case .refused:
            return AdminRoutes.problem(.unauthorized, "the admin token is not valid", challenge: true)
        case .disabled:
            return AdminRoutes.problem(.forbidden, "the admin API is off: no admin.tokens are configured")
        }
    }
}
