import PropertyBased
import Testing

@testable import Webhooks

@Suite struct DueQueueTests {
    @Test func popsWhatIsDueEarliestFirstAndKeepsTheRest() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...1000).array(of: 0...200), Gen.int(in: 0...1000)) {
            dues, now in
            var queue = DueQueue<Int>()
            for (index, due) in dues.enumerated() { queue.insert(index, due: Int64(due)) }
            let popped = queue.popDue(now: Int64(now))
            let expected = dues.enumerated().filter { $0.element <= now }.sorted {
                ($0.element, $0.offset) < ($1.element, $1.offset)
            }.map(\.offset)
            #expect(popped == expected)
            #expect(queue.count == dues.count - expected.count)
            #expect(queue.nextDue.map { $0 > Int64(now) } ?? true)
        }
    }

    @Test func removesWhatNoLongerMattersAndStaysOrdered() {
        var queue = DueQueue<Int>()
        for value in [50, 10, 40, 20, 30] { queue.insert(value, due: Int64(value)) }
        queue.removeAll { $0 == 20 || $0 == 50 }
        #expect(queue.popDue(now: 100) == [10, 30, 40])
    }
}
