import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization
import Timing

/// Serves a producer's delivery reports and error events on a dedicated thread.
final class RDKafkaPollLoop: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient) {
        // The thread holds the handle only while the client is alive: the client stops the loop
        // (and waits for it) before destroying the handle.
        nonisolated(unsafe) let rk = client.handle
        let context = client.context
        // Senders waiting for queue space resume once it has drained to three quarters, so each
        // wake-up is worth many records (not one suspension per freed slot).
        let resumeBelow = Int32(clamping: client.maxQueuedMessages * 3 / 4)
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                let waiting = context.hasSpaceWaiters
                rd_kafka_poll(rk, waiting ? 5 : 50)
                if waiting, rd_kafka_outq_len(rk) <= resumeBelow {
                    context.wakeSpaceWaiters()
                }
            }
            context.wakeSpaceWaiters()
            finished.signal()
        }
        thread.name = "kafka-poll"
        thread.start()
    }

    func stop() {
        if stopped.exchange(true, ordering: .acquiringAndReleasing) == false {
            finished.wait()
        }
    }
}
