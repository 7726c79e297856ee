// Prefixed C wrappers for the parts of avro-c that Swift cannot call: the macro-based value API
// (avro/value.h).
#ifndef PAYMENTS_BRIDGE_CAVROSHIMS_H
#define PAYMENTS_BRIDGE_CAVROSHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <avro.h>

avro_type_t pb_avro_value_get_type(avro_value_t *value);
avro_schema_t pb_avro_value_get_schema(avro_value_t *value);
int pb_avro_value_reset(avro_value_t *value);
void pb_avro_value_iface_decref(avro_value_iface_t *iface);

int pb_avro_value_get_by_index(avro_value_t *value, size_t index, avro_value_t *child, const char **name);
int pb_avro_value_get_size(avro_value_t *value, size_t *size);
int pb_avro_value_add(avro_value_t *value, const char *key, avro_value_t *child);
int pb_avro_value_append(avro_value_t *value, avro_value_t *child);
int pb_avro_value_set_branch(avro_value_t *value, int discriminant, avro_value_t *branch);
int pb_avro_value_get_discriminant(avro_value_t *value, int *out);
int pb_avro_value_get_current_branch(avro_value_t *value, avro_value_t *branch);

int pb_avro_value_set_null(avro_value_t *value);
int pb_avro_value_set_boolean(avro_value_t *value, int v);
int pb_avro_value_set_int(avro_value_t *value, int32_t v);
int pb_avro_value_set_long(avro_value_t *value, int64_t v);
int pb_avro_value_set_float(avro_value_t *value, float v);
int pb_avro_value_set_double(avro_value_t *value, double v);
int pb_avro_value_set_string_len(avro_value_t *value, const char *s, size_t len_with_nul);
int pb_avro_value_set_bytes(avro_value_t *value, const void *buf, size_t len);
int pb_avro_value_set_fixed(avro_value_t *value, const void *buf, size_t len);
int pb_avro_value_set_enum(avro_value_t *value, int v);

int pb_avro_value_get_boolean(avro_value_t *value, int *out);
int pb_avro_value_get_int(avro_value_t *value, int32_t *out);
int pb_avro_value_get_long(avro_value_t *value, int64_t *out);
int pb_avro_value_get_float(avro_value_t *value, float *out);
int pb_avro_value_get_double(avro_value_t *value, double *out);
/// `len` includes the terminating NUL, as in avro-c.
int pb_avro_value_get_string(avro_value_t *value, const char **s, size_t *len);
int pb_avro_value_get_bytes(avro_value_t *value, const void **buf, size_t *len);
int pb_avro_value_get_fixed(avro_value_t *value, const void **buf, size_t *len);
int pb_avro_value_get_enum(avro_value_t *value, int *out);

#endif
