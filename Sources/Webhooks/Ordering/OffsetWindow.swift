/// The records of one partition that were read and are not finished yet: where the consumer
/// group may resume is the first unfinished one (or after the last read).
struct OffsetWindow: Sendable {
    private var offsets: [Int64] = []
    private var done: [Bool] = []
    private var start = 0
    /// Offset after the last record read.
    private(set) var nextOffset: Int64?

    /// Records read and not yet finished.
    var outstanding: Int { offsets.count - start }

    mutating func read(_ offset: Int64) {
        offsets.append(offset)
        done.append(false)
        nextOffset = offset + 1
    }

    mutating func finish(_ offset: Int64) {
        var low = start
        var high = offsets.count
        while low < high {
            let mid = (low + high) / 2
            if offsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        guard low < offsets.count, offsets[low] == offset else { return }
        done[low] = true
        while start < offsets.count, done[start] { start += 1 }
        if start > 4096 {
            offsets.removeFirst(start)
            done.removeFirst(start)
            start = 0
        }
    }

    /// Where the group may resume: the first unfinished record, or after the last one read.
    var commitPosition: Int64? {
        start < offsets.count ? offsets[start] : nextOffset
    }
}
