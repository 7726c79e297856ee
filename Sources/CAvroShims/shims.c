#include "CAvroShims.h"

avro_type_t pb_avro_value_get_type(avro_value_t *value) { return avro_value_get_type(value); }
int pb_avro_value_reset(avro_value_t *value) { return avro_value_reset(value); }
avro_schema_t pb_avro_value_get_schema(avro_value_t *value) { return avro_value_get_schema(value); }
void pb_avro_value_iface_decref(avro_value_iface_t *iface) { avro_value_iface_decref(iface); }

int pb_avro_value_get_by_index(avro_value_t *value, size_t index, avro_value_t *child, const char **name) {
    return avro_value_get_by_index(value, index, child, name);
}
int pb_avro_value_get_size(avro_value_t *value, size_t *size) { return avro_value_get_size(value, size); }
int pb_avro_value_add(avro_value_t *value, const char *key, avro_value_t *child) {
    return avro_value_add(value, key, child, NULL, NULL);
}
int pb_avro_value_append(avro_value_t *value, avro_value_t *child) { return avro_value_append(value, child, NULL); }
int pb_avro_value_set_branch(avro_value_t *value, int discriminant, avro_value_t *branch) {
    return avro_value_set_branch(value, discriminant, branch);
}
int pb_avro_value_get_discriminant(avro_value_t *value, int *out) { return avro_value_get_discriminant(value, out); }
int pb_avro_value_get_current_branch(avro_value_t *value, avro_value_t *branch) {
    return avro_value_get_current_branch(value, branch);
}

int pb_avro_value_set_null(avro_value_t *value) { return avro_value_set_null(value); }
int pb_avro_value_set_boolean(avro_value_t *value, int v) { return avro_value_set_boolean(value, v); }
int pb_avro_value_set_int(avro_value_t *value, int32_t v) { return avro_value_set_int(value, v); }
int pb_avro_value_set_long(avro_value_t *value, int64_t v) { return avro_value_set_long(value, v); }
int pb_avro_value_set_float(avro_value_t *value, float v) { return avro_value_set_float(value, v); }
int pb_avro_value_set_double(avro_value_t *value, double v) { return avro_value_set_double(value, v); }
int pb_avro_value_set_string_len(avro_value_t *value, const char *s, size_t len_with_nul) {
    return avro_value_set_string_len(value, s, len_with_nul);
}
int pb_avro_value_set_bytes(avro_value_t *value, const void *buf, size_t len) {
    return avro_value_set_bytes(value, (void *)buf, len);
}
int pb_avro_value_set_fixed(avro_value_t *value, const void *buf, size_t len) {
    return avro_value_set_fixed(value, (void *)buf, len);
}
int pb_avro_value_set_enum(avro_value_t *value, int v) { return avro_value_set_enum(value, v); }

int pb_avro_value_get_boolean(avro_value_t *value, int *out) { return avro_value_get_boolean(value, out); }
int pb_avro_value_get_int(avro_value_t *value, int32_t *out) { return avro_value_get_int(value, out); }
int pb_avro_value_get_long(avro_value_t *value, int64_t *out) { return avro_value_get_long(value, out); }
int pb_avro_value_get_float(avro_value_t *value, float *out) { return avro_value_get_float(value, out); }
int pb_avro_value_get_double(avro_value_t *value, double *out) { return avro_value_get_double(value, out); }
int pb_avro_value_get_string(avro_value_t *value, const char **s, size_t *len) {
    return avro_value_get_string(value, s, len);
}
int pb_avro_value_get_bytes(avro_value_t *value, const void **buf, size_t *len) {
    return avro_value_get_bytes(value, buf, len);
}
int pb_avro_value_get_fixed(avro_value_t *value, const void **buf, size_t *len) {
    return avro_value_get_fixed(value, buf, len);
}
int pb_avro_value_get_enum(avro_value_t *value, int *out) { return avro_value_get_enum(value, out); }
