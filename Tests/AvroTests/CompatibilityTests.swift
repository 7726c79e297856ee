import Avro
import Foundation
import Testing

@Suite("Schema compatibility (schema check)")
struct CompatibilityTests {
    func fixture(_ name: String) throws -> SchemaDirectory {
        try SchemaDirectory(path: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)").path)
    }

    @Test("a v2 that adds an optional field passes every mode")
    func addedOptionalField() throws {
        let directory = try fixture("compatible")
        #expect(directory.schemas["Example"]?.map(\.file) == ["Example.v1.avsc", "Example.avsc"])
        for mode in CompatibilityMode.allCases {
            #expect(directory.check(mode: mode).isEmpty, "mode \(mode)")
        }
    }

    @Test("removing a field without a default fails full compatibility, naming the field")
    func removedRequiredField() throws {
        let findings = try fixture("removed-required").check(mode: .full)
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("amount") == true)
        #expect(findings.first?.file == "Example.avsc")
        // Under BACKWARD alone the new reader simply ignores the old field.
        #expect(try fixture("removed-required").check(mode: .backward).isEmpty)
    }

    @Test("changing a field's type fails in every mode")
    func changedType() throws {
        for mode in CompatibilityMode.allCases {
            let findings = try fixture("type-changed").check(mode: mode)
            #expect(!findings.isEmpty, "mode \(mode)")
            #expect(findings.allSatisfy { $0.message.contains("amount") })
        }
    }

    @Test("resolution rules: promotions, new enum symbols, added fields")
    func resolutionRules() throws {
        let record = { (fields: String) in
            try AvroType.parse(json: #"{"type":"record","name":"R","fields":[\#(fields)]}"#)
        }
        // int → long promotion reads; long → int does not.
        #expect(
            SchemaCompatibility.problems(
                reader: try record(#"{"name":"a","type":"long"}"#),
                writer: try record(#"{"name":"a","type":"int"}"#)
            ).isEmpty)
        #expect(
            !SchemaCompatibility.problems(
                reader: try record(#"{"name":"a","type":"int"}"#),
                writer: try record(#"{"name":"a","type":"long"}"#)
            ).isEmpty)
        // A field added without a default cannot be read from old data.
        let added = SchemaCompatibility.problems(
            reader: try record(#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
            writer: try record(#"{"name":"a","type":"int"}"#))
        #expect(added.count == 1 && added[0].contains("b"))
        // A new enum symbol breaks old readers unless they have a default.
        let oldEnum = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A"]}"#)
        let newEnum = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A","B"]}"#)
        let oldEnumWithDefault = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A"],"default":"A"}"#)
        #expect(!SchemaCompatibility.problems(reader: oldEnum, writer: newEnum).isEmpty)
        #expect(SchemaCompatibility.problems(reader: oldEnumWithDefault, writer: newEnum).isEmpty)
        // A nullable reader reads a non-null writer.
        #expect(
            SchemaCompatibility.problems(
                reader: try AvroType.parse(json: #"["null","string"]"#),
                writer: .string
            ).isEmpty)
    }

    @Test(
        "the repository's schemas: v2 is BACKWARD compatible with every kept version, and not FORWARD, naming the new symbols"
    )
    func repositorySchemas() throws {
        let directory = try SchemaDirectory(path: schemasDirectory)
        #expect(
            directory.schemas["PaymentResponse"]?.map(\.file) == [
                "history/PaymentResponse.v1.avsc", "PaymentResponse.avsc",
            ])
        #expect(directory.numberedVersions(of: "PaymentResponse").map(\.number) == [1, 2])
        #expect(directory.check(mode: .backward).isEmpty)
        // A v1 reader cannot resolve the new enum symbols: partners upgrade before the bridge writes v2.
        let forward = directory.check(mode: .forward)
        #expect(forward.count == 2)
        #expect(
            forward.allSatisfy {
                $0.file == "PaymentResponse.avsc" && $0.message.contains("against history/PaymentResponse.v1.avsc")
            })
        #expect(forward.contains { $0.message.contains("eventType") && $0.message.contains("PAYMENT_COMPLIANCE_HOLD") })
        #expect(forward.contains { $0.message.contains("status") && $0.message.contains("COMPLIANCE") })
    }

    /// A copy of the repository's schemas/ (history included) in a temporary directory, with the
    /// current PaymentResponse.avsc edited by `edit`.
    func editedCopy(_ edit: (String) -> String) throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(UUID())")
        try FileManager.default.copyItem(atPath: schemasDirectory, toPath: copy.path)
        let current = copy.appendingPathComponent("PaymentResponse.avsc")
        let text = try String(contentsOf: current, encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit applies")
        try edited.write(to: current, atomically: true, encoding: .utf8)
        return copy.path
    }

    @Test("an incompatible edit of the current schema fails BACKWARD against the history, naming the offending field")
    func incompatibleEdit() throws {
        let required = try editedCopy {
            $0.replacingOccurrences(
                of: #"{"name": "subReason", "type": ["null", "string"], "default": null,"#,
                with: #"{"name": "subReason", "type": "string","#)
        }
        let findings = try SchemaDirectory(path: required).check(mode: .backward)
        #expect(findings.count == 1)
        #expect(
            findings.first?.message.contains(
                "subReason: field is missing from data written with the other version and has no default") == true)
        #expect(findings.first?.message.contains("against history/PaymentResponse.v1.avsc") == true)

        let retyped = try editedCopy {
            $0.replacingOccurrences(
                of: #"{"name": "amount", "type": "double""#, with: #"{"name": "amount", "type": "float""#)
        }
        let typeFindings = try SchemaDirectory(path: retyped).check(mode: .backward)
        #expect(
            typeFindings.count == 1
                && typeFindings.first?.message.contains("amount: type changed from double to float") == true)
    }

    @Test("a file in history/ must be a numbered version")
    func unnumberedHistory() throws {
        let copy = try editedCopy { $0 + " " }
        try "{}".write(toFile: copy + "/history/PaymentResponse.avsc", atomically: true, encoding: .utf8)
        #expect(throws: AvroError.self) { try SchemaDirectory(path: copy) }
    }
}
