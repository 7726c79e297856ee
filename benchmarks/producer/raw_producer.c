/* Baseline: produce N records with plain librdkafka, configured like payments-bridge's
 * producer (idempotent, acks=all, same linger/batch/queue/compression), waiting for every
 * delivery report. Prints one JSON line. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) failed++; else delivered++;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s BOOTSTRAP TOPIC COUNT SIZE\n", argv[0]); return 2; }
    const char *bootstrap = argv[1], *topic = argv[2];
    long count = atol(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *props[][2] = {
        {"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"},
        {"linger.ms", "5"}, {"batch.num.messages", "10000"}, {"queue.buffering.max.messages", "100000"},
        {"compression.type", "lz4"}, {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", errstr); return 1;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) { fprintf(stderr, "%s\n", errstr); return 1; }
    char *value = malloc(size);
    memset(value, 'x', size);
    char key[32];
    double start = now();
    for (long i = 0; i < count; i++) {
        int keylen = snprintf(key, sizeof key, "pay-%ld", i % 10000);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                        RD_KAFKA_V_KEY(key, (size_t)keylen), RD_KAFKA_V_VALUE(value, size),
                                                        RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) { fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err)); return 1; }
            rd_kafka_poll(rk, 5);
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    double elapsed = now() - start;
    printf("{\"impl\":\"raw-c\",\"records\":%ld,\"delivered\":%ld,\"failed\":%ld,\"seconds\":%.3f,\"per_second\":%.0f,\"librdkafka\":\"%s\"}\n",
           count, delivered, failed, elapsed, delivered / elapsed, rd_kafka_version_str());
    rd_kafka_destroy(rk);
    free(value);
    return failed ? 1 : 0;
}
