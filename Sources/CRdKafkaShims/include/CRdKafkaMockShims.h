// Prefixed C wrappers for the parts of librdkafka's mock cluster API (rdkafka_mock.h) that Swift
// cannot call: variadic functions. The explicit submodule CRdKafkaShims.Mock, for KafkaEmbedded only.
#ifndef PAYMENTS_BRIDGE_CRDKAFKAMOCKSHIMS_H
#define PAYMENTS_BRIDGE_CRDKAFKAMOCKSHIMS_H

#include <stdint.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// The mock broker answers its next request of type `api_key` after `rtt_ms`, without error
/// (rd_kafka_mock_broker_push_request_error_rtts with one entry).
rd_kafka_resp_err_t pb_rdkafka_mock_delay_next_request(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id,
                                                      int16_t api_key, int rtt_ms);

#endif
