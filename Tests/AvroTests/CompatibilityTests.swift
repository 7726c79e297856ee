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
        let record = { (fields: String) in try AvroType.parse(json: #"{"type":"record","name":"R","fields":[\#(fields)]}"#) }
        // int → long promotion reads; long → int does not.
        #expect(SchemaCompatibility.problems(reader: try record(#"{"name":"a","type":"long"}"#),
                                             writer: try record(#"{"name":"a","type":"int"}"#)).isEmpty)
        #expect(!SchemaCompatibility.problems(reader: try record(#"{"name":"a","type":"int"}"#),
                                              writer: try record(#"{"name":"a","type":"long"}"#)).isEmpty)
        // A field added without a default cannot be read from old data.
        let added = SchemaCompatibility.problems(reader: try record(#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
                                                 writer: try record(#"{"name":"a","type":"int"}"#))
        #expect(added.count == 1 && added[0].contains("b"))
        // A new enum symbol breaks old readers unless they have a default.
        let oldEnum = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A"]}"#)
        let newEnum = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A","B"]}"#)
        let oldEnumWithDefault = try AvroType.parse(json: #"{"type":"enum","name":"E","symbols":["A"],"default":"A"}"#)
        #expect(!SchemaCompatibility.problems(reader: oldEnum, writer: newEnum).isEmpty)
        #expect(SchemaCompatibility.problems(reader: oldEnumWithDefault, writer: newEnum).isEmpty)
        // A nullable reader reads a non-null writer.
        #expect(SchemaCompatibility.problems(reader: try AvroType.parse(json: #"["null","string"]"#),
                                             writer: .string).isEmpty)
    }

    @Test("the repository's own schemas pass the check")
    func repositorySchemas() throws {
        let directory = try SchemaDirectory(path: schemasDirectory)
        #expect(directory.schemas["PaymentResponse"] != nil)
        #expect(directory.check(mode: .full).isEmpty)
    }
}
