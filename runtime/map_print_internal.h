/* Shared by the text printer (map_print.c) and the JSON printer
 * (map_json.c): one order, one way to write numbers. */
#ifndef SONDE_MAP_PRINT_INTERNAL_H
#define SONDE_MAP_PRINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/map_print.h"

/* Sorts m's entries as bpftrace does, applies bpftrace's rules to top and
 * div (stats ignores both; div 0 is 1) and returns the index of the first
 * entry to print. */
size_t map_print_order(struct map_view *m, uint32_t *top, uint64_t *div);
/* One value in the text form (key: as part of a map key). */
void map_value_text(const struct output *o, const struct type *t, const uint8_t *d,
		    uint64_t div, bool key);
/* count, sum, min, max, avg: the number bpftrace prints (stats: its sentence). */
void map_agg_value_text(FILE *f, const struct type *t, const uint8_t *v, uint64_t div);
/* hist(x, bits) bucket index >= 2 << bits: the lowest value it holds. */
uint64_t hist_bucket_low(uint32_t index, uint32_t bits);

void map_print_json(struct output *o, struct map_view *m, uint32_t top, uint64_t div);

/* tseries (runtime/map_tseries.c): the interval number of the newest
 * value of any key, 0 for none. */
uint64_t tseries_last_epoch(const struct map_view *m);
/* One key's chart, as bpftrace draws it ("<no data>" without values in the
 * window), ending with a newline. */
void tseries_chart(FILE *f, const struct map_view *m, const uint8_t *points, uint64_t last);
/* One key's values as a JSON list [{"interval_start": ..., "value": ...}]. */
void tseries_json(FILE *f, const struct map_view *m, const uint8_t *points, uint64_t last);
void value_print_json(struct output *o, const struct type *t, const uint8_t *data);

#endif
