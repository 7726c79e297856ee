/// Deliveries waiting for their due time, earliest first (a binary heap): one timer serves all
/// of them, instead of a sleeping task per parked payment.
struct DueQueue<Element>: Sendable where Element: Sendable {
    private struct Item: Sendable {
        var due: Int64
        var sequence: Int
        var element: Element
        func precedes(_ other: Item) -> Bool { (due, sequence) < (other.due, other.sequence) }
    }

    private var heap: [Item] = []
    private var sequence = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    /// When the earliest element falls due.
    var nextDue: Int64? { heap.first?.due }

    mutating func insert(_ element: Element, due: Int64) {
        sequence += 1
        heap.append(Item(due: due, sequence: sequence, element: element))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the elements due at or before `now`, earliest first.
    mutating func popDue(now: Int64) -> [Element] {
        var due: [Element] = []
        while let first = heap.first, first.due <= now { due.append(removeFirst().element) }
        return due
    }

    /// Drops the elements `isDropped` says no longer matter (those of revoked partitions).
    mutating func removeAll(where isDropped: (Element) -> Bool) {
        let kept = heap.filter { !isDropped($0.element) }
        guard kept.count != heap.count else { return }
        heap = []
        for item in kept.sorted(by: { $0.precedes($1) }) { heap.append(item) }  // a sorted array is a heap
    }

    /// Makes the elements `isChosen` picks due at `now` (`adjust` updates the element itself);
    /// they then go in the order they were inserted.
    mutating func makeDue(now: Int64, where isChosen: (Element) -> Bool, adjust: (inout Element) -> Void) {
        var changed = false
        for index in heap.indices where heap[index].due > now && isChosen(heap[index].element) {
            heap[index].due = now
            adjust(&heap[index].element)
            changed = true
        }
        guard changed else { return }
        let items = heap.sorted { $0.precedes($1) }
        heap = items  // a sorted array is a heap
    }

    private mutating func removeFirst() -> Item {
        let first = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { return first }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
