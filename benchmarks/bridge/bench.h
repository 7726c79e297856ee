/* What the C baselines share: a monotonic clock and librdkafka configurations from name/value pairs. */
#ifndef BENCH_H
#define BENCH_H
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A configuration of `n` properties; exits naming the one librdkafka refuses. */
static rd_kafka_conf_t *conf_of(const char *props[][2], size_t n) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", errstr); exit(1);
        }
    return conf;
}
#endif
