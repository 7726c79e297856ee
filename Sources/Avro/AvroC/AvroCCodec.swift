import CAvro
import CAvroShims
import Synchronization

/// avro-c keeps its last error message in one global buffer and is not built thread-safe, so
/// every avro-c call in the process runs under this lock.
let avroLock = Mutex<Void>(())

private func lastAvroError() -> String { String(cString: avro_strerror()) }

/// Encodes and decodes values of one schema with avro-c. One generic value instance is reused.
final class AvroCCodec: Sendable {
    // Owned here and only touched under `avroLock`.
    nonisolated(unsafe) private let schema: avro_schema_t
    nonisolated(unsafe) private let iface: UnsafeMutablePointer<avro_value_iface_t>
    nonisolated(unsafe) private var value = avro_value_t()

    init(json: String) throws(AvroError) {
        let parsed: Result<(avro_schema_t, UnsafeMutablePointer<avro_value_iface_t>, avro_value_t), AvroError> =
            avroLock.withLock { _ in
                var schema: avro_schema_t?
                let rc = json.withCString { avro_schema_from_json_length($0, json.utf8.count, &schema) }
                guard rc == 0, let schema else { return .failure(AvroError(.invalidSchema, lastAvroError())) }
                guard let iface = avro_generic_class_from_schema(schema) else {
                    avro_schema_decref(schema)
                    return .failure(AvroError(.invalidSchema, lastAvroError()))
                }
                var value = avro_value_t()
                guard avro_generic_value_new(iface, &value) == 0 else {
                    pb_avro_value_iface_decref(iface)
                    avro_schema_decref(schema)
                    return .failure(AvroError(.invalidSchema, lastAvroError()))
                }
                return .success((schema, iface, value))
            }
        let (schema, iface, value) = try parsed.get()
        self.schema = schema
        self.iface = iface
        self.value = value
    }

    deinit {
        avroLock.withLock { _ in
            avro_value_decref(&value)
            pb_avro_value_iface_decref(iface)
            _ = avro_schema_decref(schema)
        }
    }

    /// Binary-encodes `input`, which must follow the schema, appending to `output`.
    func encode(_ input: AvroValue, type: AvroType, into output: inout [UInt8]) throws(AvroError) {
        let result: Result<[UInt8], AvroError> = avroLock.withLock { _ in
            _ = pb_avro_value_reset(&value)
            do throws(AvroError) {
                try AvroCValues.set(&value, input, type: type)
            } catch {
                return .failure(error)
            }
            var size = 0
            guard avro_value_sizeof(&value, &size) == 0 else { return .failure(AvroError(.encode, lastAvroError())) }
            var bytes = [UInt8](repeating: 0, count: size)
            let rc = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
                let writer = avro_writer_memory(
                    UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int64(size))
                defer { avro_writer_free(writer) }
                return avro_value_write(writer, &value)
            }
            guard rc == 0 else { return .failure(AvroError(.encode, lastAvroError())) }
            return .success(bytes)
        }
        output.append(contentsOf: try result.get())
    }

    /// Decodes binary data written with this schema.
    func decode(_ bytes: ArraySlice<UInt8>) throws(AvroError) -> AvroValue {
        let result: Result<AvroValue, AvroError> = avroLock.withLock { _ in
            _ = pb_avro_value_reset(&value)
            let rc = bytes.withUnsafeBufferPointer { buffer -> Int32 in
                let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                let reader = avro_reader_memory(base, Int64(buffer.count))
                defer { avro_reader_free(reader) }
                return avro_value_read(reader, &value)
            }
            guard rc == 0 else { return .failure(AvroError(.decode, "cannot read record: \(lastAvroError())")) }
            do throws(AvroError) { return .success(try AvroCValues.get(&value)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// Moves values between `AvroValue` and avro-c's generic values. Called under `avroLock`.
enum AvroCValues {
    static func set(_ target: inout avro_value_t, _ input: AvroValue, type: AvroType) throws(AvroError) {
        var rc: Int32 = 0
        switch (type, input) {
        case (.null, .null): rc = pb_avro_value_set_null(&target)
        case (.boolean, .boolean(let v)): rc = pb_avro_value_set_boolean(&target, v ? 1 : 0)
        case (.int, .int(let v)): rc = pb_avro_value_set_int(&target, v)
        case (.long, .long(let v)): rc = pb_avro_value_set_long(&target, v)
        case (.long, .int(let v)): rc = pb_avro_value_set_long(&target, Int64(v))
        case (.float, .float(let v)): rc = pb_avro_value_set_float(&target, v)
        case (.double, .double(let v)): rc = pb_avro_value_set_double(&target, v)
        case (.double, .float(let v)): rc = pb_avro_value_set_double(&target, Double(v))
        case (.bytes, .bytes(let v)):
            rc = v.withUnsafeBytes { pb_avro_value_set_bytes(&target, $0.baseAddress, $0.count) }
        case (.fixed(_, let size), .fixed(let v)):
            guard v.count == size else { throw AvroError(.encode, "fixed of size \(size) given \(v.count) bytes") }
            rc = v.withUnsafeBytes { pb_avro_value_set_fixed(&target, $0.baseAddress, $0.count) }
        case (.string, .string(let v)):
            var utf8 = Array(v.utf8)
            utf8.append(0)
            rc = utf8.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    pb_avro_value_set_string_len(&target, $0.baseAddress, $0.count)
                }
            }
        case (.enumeration(let name, let symbols, _), .enumSymbol(let symbol)):
            guard let index = symbols.firstIndex(of: symbol) else {
                throw AvroError(.encode, "'\(symbol)' is not a symbol of \(name)")
            }
            rc = pb_avro_value_set_enum(&target, Int32(index))
        case (.record(let name, let fields), .record(let values)):
            for (index, field) in fields.enumerated() {
                let given =
                    index < values.count && values[index].name == field.name
                    ? values[index].value : values.first { $0.name == field.name }?.value
                guard let given else { throw AvroError(.encode, "\(name): missing field '\(field.name)'") }
                var child = avro_value_t()
                guard pb_avro_value_get_by_index(&target, index, &child, nil) == 0 else {
                    throw AvroError(.encode, "\(name).\(field.name): \(lastAvroError())")
                }
                do throws(AvroError) { try set(&child, given, type: field.type) } catch {
                    throw AvroError(.encode, "\(name).\(field.name): \(error.message)")
                }
            }
        case (.array(let items), .array(let values)):
            for element in values {
                var child = avro_value_t()
                guard pb_avro_value_append(&target, &child) == 0 else { throw AvroError(.encode, lastAvroError()) }
                try set(&child, element, type: items)
            }
        case (.map(let valueType), .map(let values)):
            for key in values.keys.sorted() {
                var child = avro_value_t()
                guard pb_avro_value_add(&target, key, &child) == 0 else { throw AvroError(.encode, lastAvroError()) }
                try set(&child, values[key]!, type: valueType)
            }
        case (.union(let branches), _):
            guard let index = branches.firstIndex(where: { accepts($0, input) }) else {
                throw AvroError(.encode, "no branch of \(type.displayName) accepts \(input.kindName)")
            }
            var branch = avro_value_t()
            guard pb_avro_value_set_branch(&target, Int32(index), &branch) == 0 else {
                throw AvroError(.encode, lastAvroError())
            }
            try set(&branch, input, type: branches[index])
        default:
            throw AvroError(.encode, "expected \(type.displayName), got \(input.kindName)")
        }
        if rc != 0 { throw AvroError(.encode, lastAvroError()) }
    }

    private static func accepts(_ type: AvroType, _ value: AvroValue) -> Bool {
        switch (type, value) {
        case (.null, .null), (.boolean, .boolean), (.int, .int), (.long, .long), (.long, .int), (.float, .float),
            (.double, .double), (.bytes, .bytes), (.string, .string), (.record, .record), (.enumeration, .enumSymbol),
            (.array, .array), (.map, .map), (.fixed, .fixed):
            return true
        default:
            return false
        }
    }

    static func get(_ source: inout avro_value_t) throws(AvroError) -> AvroValue {
        var rc: Int32 = 0
        let result: AvroValue
        switch pb_avro_value_get_type(&source) {
        case AVRO_NULL: result = .null
        case AVRO_BOOLEAN:
            var v: Int32 = 0
            rc = pb_avro_value_get_boolean(&source, &v)
            result = .boolean(v != 0)
        case AVRO_INT32:
            var v: Int32 = 0
            rc = pb_avro_value_get_int(&source, &v)
            result = .int(v)
        case AVRO_INT64:
            var v: Int64 = 0
            rc = pb_avro_value_get_long(&source, &v)
            result = .long(v)
        case AVRO_FLOAT:
            var v: Float = 0
            rc = pb_avro_value_get_float(&source, &v)
            result = .float(v)
        case AVRO_DOUBLE:
            var v: Double = 0
            rc = pb_avro_value_get_double(&source, &v)
            result = .double(v)
        case AVRO_STRING:
            var pointer: UnsafePointer<CChar>?
            var size = 0
            rc = pb_avro_value_get_string(&source, &pointer, &size)
            // size counts the terminating NUL.
            let bytes = pointer.map { UnsafeRawBufferPointer(start: $0, count: max(0, size - 1)) }
            result = .string(bytes.map { String(decoding: $0, as: UTF8.self) } ?? "")
        case AVRO_BYTES, AVRO_FIXED:
            var pointer: UnsafeRawPointer?
            var size = 0
            let isFixed = pb_avro_value_get_type(&source) == AVRO_FIXED
            rc =
                isFixed
                ? pb_avro_value_get_fixed(&source, &pointer, &size) : pb_avro_value_get_bytes(&source, &pointer, &size)
            let bytes = pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            result = isFixed ? .fixed(bytes) : .bytes(bytes)
        case AVRO_ENUM:
            var index: Int32 = 0
            rc = pb_avro_value_get_enum(&source, &index)
            // avro-c reads any index; `avro_schema_enum_get` must only be asked for one it has
            // (outside them it returns an unset pointer): another index stays a number, no symbol.
            let schema = pb_avro_value_get_schema(&source)
            let symbol = schema.flatMap { schema in
                index >= 0 && index < avro_schema_enum_number_of_symbols(schema)
                    ? avro_schema_enum_get(schema, index) : nil
            }
            result = .enumSymbol(symbol.map { String(cString: $0) } ?? "\(index)")
        case AVRO_RECORD:
            var size = 0
            rc = pb_avro_value_get_size(&source, &size)
            var fields: [AvroRecordField] = []
            fields.reserveCapacity(size)
            for index in 0..<size {
                var child = avro_value_t()
                var name: UnsafePointer<CChar>?
                guard pb_avro_value_get_by_index(&source, index, &child, &name) == 0 else {
                    throw AvroError(.decode, lastAvroError())
                }
                fields.append(AvroRecordField(name.map { String(cString: $0) } ?? "", try get(&child)))
            }
            result = .record(fields)
        case AVRO_ARRAY:
            var size = 0
            rc = pb_avro_value_get_size(&source, &size)
            var items: [AvroValue] = []
            for index in 0..<size {
                var child = avro_value_t()
                guard pb_avro_value_get_by_index(&source, index, &child, nil) == 0 else {
                    throw AvroError(.decode, lastAvroError())
                }
                items.append(try get(&child))
            }
            result = .array(items)
        case AVRO_MAP:
            var size = 0
            rc = pb_avro_value_get_size(&source, &size)
            var entries: [String: AvroValue] = [:]
            for index in 0..<size {
                var child = avro_value_t()
                var key: UnsafePointer<CChar>?
                guard pb_avro_value_get_by_index(&source, index, &child, &key) == 0 else {
                    throw AvroError(.decode, lastAvroError())
                }
                entries[key.map { String(cString: $0) } ?? ""] = try get(&child)
            }
            result = .map(entries)
        case AVRO_UNION:
            var branch = avro_value_t()
            rc = pb_avro_value_get_current_branch(&source, &branch)
            guard rc == 0 else { throw AvroError(.decode, lastAvroError()) }
            return try get(&branch)
        default:
            throw AvroError(.decode, "unsupported Avro type")
        }
        if rc != 0 { throw AvroError(.decode, lastAvroError()) }
        return result
    }
}

extension AvroValue {
    var kindName: String {
        switch self {
        case .null: "null"
        case .boolean: "boolean"
        case .int: "int"
        case .long: "long"
        case .float: "float"
        case .double: "double"
        case .bytes: "bytes"
        case .string: "string"
        case .record: "record"
        case .enumSymbol: "enum symbol"
        case .array: "array"
        case .map: "map"
        case .fixed: "fixed"
        }
    }
}
