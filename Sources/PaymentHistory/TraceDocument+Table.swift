import Foundation

extension TraceDocument {
    /// The trace as three tables for a terminal: response records, webhook attempts, dead letters.
    public var table: String {
        let trace = self
        var sections = ["Payment \(trace.paymentId)"]
        sections.append(
            "Response records\n"
                + TextTable.render(
                    [["TIME", "TENANT", "EVENT", "STATUS", "TOPIC", "PARTITION", "OFFSET"]]
                        + trace.records.map {
                            [
                                $0.timestamp, $0.tenant, $0.eventType, $0.status, $0.topic, String($0.partition),
                                String($0.offset),
                            ]
                        }))
        sections.append(
            "Webhook attempts\n"
                + TextTable.render(
                    [["SENT", "TENANT", "ATTEMPT", "OUTCOME", "HTTP", "MS", "ERROR", "OFFSET"]]
                        + trace.attempts.map {
                            [
                                $0.sentAt, $0.tenant, String($0.attempt), $0.outcome,
                                $0.httpStatus.map(String.init) ?? "-",
                                String($0.durationMs), $0.error ?? "-", String($0.offset),
                            ]
                        }))
        sections.append(
            "Dead letters\n"
                + TextTable.render(
                    [["AT", "TENANT", "REASON", "HTTP", "ATTEMPTS", "ERROR", "ORIGINAL OFFSET"]]
                        + trace.deadLetters.map {
                            [
                                $0.at ?? "-", $0.tenant, $0.reason, $0.httpStatus.map(String.init) ?? "-",
                                $0.attempts.map(String.init) ?? "-", $0.error ?? "-",
                                $0.originalOffset.map(String.init) ?? "-",
                            ]
                        }))
        return sections.joined(separator: "\n\n")
    }
}

/// Rows as aligned columns for a terminal (the last column is not padded).
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
