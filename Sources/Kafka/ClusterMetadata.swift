/// What the cluster reports about itself.
public struct ClusterMetadata: Sendable, Equatable {
    public var brokerIDs: [Int32]
    /// Topic name → partition count.
    public var topics: [String: Int]
}
