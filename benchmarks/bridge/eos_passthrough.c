/* Baseline: the exactly-once ceiling for consume -> produce on this librdkafka. A read_committed
 * consumer reads the input topic and a transactional producer copies each record (key, value,
 * headers) to the output topic, sending the consumed offsets with each transaction and
 * committing on the bridge's policy (5000 records, or 25 ms after the transaction's first
 * record). No parsing, no encoding: what any exactly-once bridge on this broker cannot beat.
 * Prints one JSON line when COUNT records are committed.
 * With TOPICS > 1, each record goes to OUTPUT.NNN (NNN = a hash of its key modulo TOPICS, the
 * topics created beforehand): a transaction then touches as many partner topics as the bridge's
 * does when its events are spread over as many tenants (the scaling benchmark).
 * With OUTPUT_SUFFIX in the environment (the latency benchmark), the topics are
 * OUTPUT-NNN + OUTPUT_SUFFIX, as the bridge's partner topics for tenants NNN are named, and each
 * copy carries the event's correlationId as a header (found by a byte search, not a JSON parse),
 * as the bridge's responses do, so the same reader times it; FETCH_WAIT_MAX_MS sets the
 * consumer's fetch.wait.max.ms.
 * Usage: eos_passthrough BOOTSTRAP INPUT OUTPUT COUNT [TOPICS] */
#define _GNU_SOURCE /* memmem */
#include "bench.h"
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RECORDS 5000
#define MAX_INTERVAL 0.025

static void check(rd_kafka_error_t *error, const char *what) {
    if (!error) return;
    fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(error));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s BOOTSTRAP INPUT OUTPUT COUNT [TOPICS]\n", argv[0]); return 2; }
    const char *bootstrap = argv[1], *input = argv[2], *output = argv[3];
    long count = atol(argv[4]);
    long fanout = argc > 5 ? atol(argv[5]) : 1;
    if (fanout < 1 || fanout > 100000) { fprintf(stderr, "TOPICS out of range\n"); return 2; }
    const char *suffix = getenv("OUTPUT_SUFFIX");
    const char *fetch_wait = getenv("FETCH_WAIT_MAX_MS") ? getenv("FETCH_WAIT_MAX_MS") : "500";
    char (*names)[256] = calloc((size_t)fanout, sizeof *names);
    for (long i = 0; i < fanout; i++) {
        if (suffix) snprintf(names[i], sizeof names[i], "%s-%03ld%s", output, i, suffix);
        else if (fanout == 1) snprintf(names[i], sizeof names[i], "%s", output);
        else snprintf(names[i], sizeof names[i], "%s.%03ld", output, i);
    }
    char errstr[512], group[64], txid[64];
    snprintf(group, sizeof group, "eos-passthrough-%ld", (long)time(NULL));
    snprintf(txid, sizeof txid, "eos-passthrough-%ld-%d", (long)time(NULL), rand());
    /* The bridge's producer settings (ProducerConfiguration): idempotent, lz4, linger 5 ms. */
    const char *pprops[][2] = {{"bootstrap.servers", bootstrap}, {"transactional.id", txid}, {"acks", "all"},
                               {"linger.ms", "5"}, {"batch.num.messages", "10000"}, {"compression.type", "lz4"},
                               {"log_level", "3"}};
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf_of(pprops, sizeof pprops / sizeof pprops[0]), errstr, sizeof errstr);
    const char *cprops[][2] = {{"bootstrap.servers", bootstrap}, {"group.id", group}, {"auto.offset.reset", "earliest"},
                               {"enable.auto.commit", "false"}, {"isolation.level", "read_committed"},
                               {"enable.partition.eof", "false"}, {"log_level", "3"}, {"max.poll.interval.ms", "10000"},
                               {"session.timeout.ms", "6000"}, {"fetch.queue.backoff.ms", "10"},
                               {"fetch.wait.max.ms", fetch_wait}};
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf_of(cprops, sizeof cprops / sizeof cprops[0]), errstr, sizeof errstr);
    if (!producer || !consumer) { fprintf(stderr, "%s\n", errstr); return 1; }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    check(rd_kafka_init_transactions(producer, 60000), "init_transactions");

    long committed = 0, open = 0;
    double start = 0, opened = 0;
    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(8);
    while (committed < count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, open ? 5 : 100);
        if (m && m->err) { rd_kafka_message_destroy(m); m = NULL; }
        if (m) {
            if (!start) start = now();
            if (!open) { check(rd_kafka_begin_transaction(producer), "begin_transaction"); opened = now(); }
            rd_kafka_headers_t *headers = NULL;
            rd_kafka_message_headers(m, &headers);
            unsigned long hash = 5381; /* djb2 over the key */
            for (size_t i = 0; i < m->key_len; i++) hash = hash * 33 + ((const unsigned char *)m->key)[i];
            const char *target = names[fanout == 1 ? 0 : hash % (unsigned long)fanout];
            rd_kafka_headers_t *copied = headers ? rd_kafka_headers_copy(headers) : NULL;
            if (suffix) {
                static const char field[] = "\"correlationId\":\"";
                const char *at = memmem(m->payload, m->len, field, sizeof field - 1);
                if (at) {
                    const char *value = at + sizeof field - 1;
                    const char *end = memchr(value, '"', (size_t)((const char *)m->payload + m->len - value));
                    if (end) {
                        if (!copied) copied = rd_kafka_headers_new(1);
                        rd_kafka_header_add(copied, "correlationId", -1, value, end - value);
                    }
                }
            }
            for (;;) {
                rd_kafka_resp_err_t err = rd_kafka_producev(
                    producer, RD_KAFKA_V_TOPIC(target), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                    RD_KAFKA_V_HEADERS(copied), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err)); return 1; }
                rd_kafka_poll(producer, 5);
            }
            rd_kafka_topic_partition_t *next = rd_kafka_topic_partition_list_find(offsets, rd_kafka_topic_name(m->rkt), m->partition);
            if (!next) next = rd_kafka_topic_partition_list_add(offsets, rd_kafka_topic_name(m->rkt), m->partition);
            next->offset = m->offset + 1;
            rd_kafka_message_destroy(m);
            open++;
        }
        rd_kafka_poll(producer, 0);
        if (open && (open >= MAX_RECORDS || now() - opened >= MAX_INTERVAL)) {
            rd_kafka_consumer_group_metadata_t *metadata = rd_kafka_consumer_group_metadata(consumer);
            check(rd_kafka_send_offsets_to_transaction(producer, offsets, metadata, 30000), "send_offsets_to_transaction");
            rd_kafka_consumer_group_metadata_destroy(metadata);
            check(rd_kafka_commit_transaction(producer, 30000), "commit_transaction");
            committed += open;
            open = 0;
        }
    }
    double elapsed = now() - start;
    printf("{\"impl\":\"eos-passthrough-c\",\"events\":%ld,\"seconds\":%.3f,\"per_second\":%.0f}\n", committed, elapsed, committed / elapsed);
    rd_kafka_topic_partition_list_destroy(offsets);
    free(names);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return committed == count ? 0 : 1;
}
