public enum SchemaCompatibility {
    /// Problems that keep `reader` from reading data written with `writer`; empty when it can.
    public static func problems(reader: AvroType, writer: AvroType, path: String = "") -> [String] {
        let here = path.isEmpty ? "(root)" : path
        switch (reader, writer) {
        case (.null, .null), (.boolean, .boolean), (.int, .int), (.long, .long), (.float, .float),
            (.double, .double), (.bytes, .bytes), (.string, .string):
            return []
        // Promotions allowed by the Avro specification.
        case (.long, .int), (.float, .int), (.float, .long), (.double, .int), (.double, .long), (.double, .float),
            (.string, .bytes), (.bytes, .string):
            return []
        case (.record(let readerName, let readerFields), .record(let writerName, let writerFields)):
            guard unqualified(readerName) == unqualified(writerName) else {
                return ["\(here): record \(writerName) cannot be read as \(readerName)"]
            }
            var found: [String] = []
            for field in readerFields {
                let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                let names = [field.name] + field.aliases
                if let written = writerFields.first(where: { names.contains($0.name) }) {
                    found += problems(reader: field.type, writer: written.type, path: fieldPath)
                } else if !field.hasDefault {
                    found.append(
                        "\(fieldPath): field is missing from data written with the other version and has no default")
                }
            }
            return found
        case (
            .enumeration(let readerName, let readerSymbols, let defaultSymbol),
            .enumeration(let writerName, let writerSymbols, _)
        ):
            guard unqualified(readerName) == unqualified(writerName) else {
                return ["\(here): enum \(writerName) cannot be read as \(readerName)"]
            }
            let unknown = writerSymbols.filter { !readerSymbols.contains($0) }
            if unknown.isEmpty || defaultSymbol != nil { return [] }
            return [
                "\(here): symbols \(unknown.joined(separator: ", ")) of \(writerName) are unknown to the reader, which has no default"
            ]
        case (.array(let readerItems), .array(let writerItems)):
            return problems(reader: readerItems, writer: writerItems, path: "\(path)[]")
        case (.map(let readerValues), .map(let writerValues)):
            return problems(reader: readerValues, writer: writerValues, path: "\(path){}")
        case (.fixed(let readerName, let readerSize), .fixed(let writerName, let writerSize)):
            return unqualified(readerName) == unqualified(writerName) && readerSize == writerSize
                ? [] : ["\(here): fixed \(writerName)(\(writerSize)) cannot be read as \(readerName)(\(readerSize))"]
        case (_, .union(let writerBranches)):
            // Every branch the writer may have used must be readable.
            return writerBranches.flatMap { problems(reader: reader, writer: $0, path: path) }
        case (.union(let readerBranches), _):
            if readerBranches.contains(where: { problems(reader: $0, writer: writer, path: path).isEmpty }) {
                return []
            }
            return ["\(here): no branch of \(reader.displayName) can read \(writer.displayName)"]
        default:
            return ["\(here): type changed from \(writer.displayName) to \(reader.displayName)"]
        }
    }

    /// Problems with evolving `old` into `new` under `mode`.
    public static func problems(evolving old: AvroType, to new: AvroType, mode: CompatibilityMode) -> [String] {
        var found: [String] = []
        if mode != .forward {
            found += problems(reader: new, writer: old).map { "new schema cannot read old data: \($0)" }
        }
        if mode != .backward {
            found += problems(reader: old, writer: new).map { "old schema cannot read new data: \($0)" }
        }
        return found
    }

    private static func unqualified(_ name: String) -> Substring {
        name.split(separator: ".").last ?? Substring(name)
    }
}
