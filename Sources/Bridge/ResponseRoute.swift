struct ResponseRoute: Sendable {
    let topic: String
    let schemaID: Int32
}
