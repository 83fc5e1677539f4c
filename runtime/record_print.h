/* Whole structs and unions from kernel BTF as text (print(*p), records in
 * maps), in bpftrace's "{ .field = value, ... }" form. */
#ifndef SONDE_RECORD_PRINT_H
#define SONDE_RECORD_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct type;

/* t is a record whose layout kernel BTF describes. */
bool record_printable(const struct type *t);
/* Writes the record t->size bytes at d hold; nothing when not printable. */
void record_print(FILE *f, const struct type *t, const uint8_t *d);
/* The same as a JSON object: {"a": 1, "b": {"c": 2}, "chars": "text"}. */
void record_print_json(FILE *f, const struct type *t, const uint8_t *d);

#endif
