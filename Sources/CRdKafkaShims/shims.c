#include "CRdKafkaShims.h"
#include "CRdKafkaMockShims.h"

rd_kafka_resp_err_t pb_rdkafka_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       const void *key, size_t key_len,
                                       const void *value, size_t value_len,
                                       rd_kafka_headers_t *headers, int64_t timestamp_ms,
                                       void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY((void *)key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}

rd_kafka_resp_err_t pb_rdkafka_mock_delay_next_request(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id,
                                                      int16_t api_key, int rtt_ms) {
    return rd_kafka_mock_broker_push_request_error_rtts(mcluster, broker_id, api_key, 1,
                                                        RD_KAFKA_RESP_ERR_NO_ERROR, rtt_ms);
}
