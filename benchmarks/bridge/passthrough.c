/* Baseline: the raw librdkafka ceiling for consume -> produce. A group consumer reads the input
 * topic and an idempotent producer copies each record (key, value, headers) to the output topic,
 * without transactions or any transformation. Prints one JSON line when COUNT records are
 * delivered. Usage: passthrough BOOTSTRAP INPUT OUTPUT COUNT */
#include "bench.h"
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long delivered;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (!m->err) delivered++;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s BOOTSTRAP INPUT OUTPUT COUNT\n", argv[0]); return 2; }
    const char *bootstrap = argv[1], *input = argv[2], *output = argv[3];
    long count = atol(argv[4]);
    char errstr[512], group[64];
    snprintf(group, sizeof group, "passthrough-%ld", (long)time(NULL));
    const char *pprops[][2] = {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"},
                               {"linger.ms", "5"}, {"compression.type", "lz4"}, {"log_level", "3"}};
    rd_kafka_conf_t *pconf = conf_of(pprops, sizeof pprops / sizeof pprops[0]);
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
    const char *cprops[][2] = {{"bootstrap.servers", bootstrap}, {"group.id", group}, {"auto.offset.reset", "earliest"},
                               {"enable.partition.eof", "false"}, {"log_level", "3"}, {"max.poll.interval.ms", "10000"},
                               {"session.timeout.ms", "6000"},
                               /* As the bridge's consumer: librdkafka's 1 s rest once the prefetch queue is
                                * full leaves a fast reader idle (see ConsumerConfiguration.fetchQueueBackoff). */
                               {"fetch.queue.backoff.ms", "10"}};
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf_of(cprops, sizeof cprops / sizeof cprops[0]), errstr, sizeof errstr);
    if (!producer || !consumer) { fprintf(stderr, "%s\n", errstr); return 1; }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);

    long consumed = 0;
    double start = 0;
    while (consumed < count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        if (!m) continue;
        if (m->err) { rd_kafka_message_destroy(m); continue; }
        if (!start) start = now();
        rd_kafka_headers_t *headers = NULL;
        rd_kafka_message_headers(m, &headers);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(output), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                                                        RD_KAFKA_V_HEADERS(headers ? rd_kafka_headers_copy(headers) : NULL),
                                                        RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err)); return 1; }
            rd_kafka_poll(producer, 5);
        }
        rd_kafka_poll(producer, 0);
        rd_kafka_message_destroy(m);
        consumed++;
    }
    rd_kafka_flush(producer, 120000);
    double elapsed = now() - start;
    printf("{\"impl\":\"passthrough-c\",\"events\":%ld,\"seconds\":%.3f,\"per_second\":%.0f}\n", delivered, elapsed, delivered / elapsed);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return delivered == count ? 0 : 1;
}
