// Prefixed C wrappers for the parts of librdkafka that Swift cannot call: variadic functions
// (rd_kafka_producev). The mock cluster's wrappers are in CRdKafkaMockShims.h, imported only
// by KafkaEmbedded (`import CRdKafkaShims.Mock`).
#ifndef PAYMENTS_BRIDGE_CRDKAFKASHIMS_H
#define PAYMENTS_BRIDGE_CRDKAFKASHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

/// rd_kafka_producev with a fixed argument list. On success librdkafka owns `headers`
/// (may be NULL); on failure the caller still owns them.
rd_kafka_resp_err_t pb_rdkafka_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       const void *key, size_t key_len,
                                       const void *value, size_t value_len,
                                       rd_kafka_headers_t *headers, int64_t timestamp_ms,
                                       void *opaque);

#endif
