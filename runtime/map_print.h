/* Printing maps and values in bpftrace's text format.
 *
 * The runtime reads a BPF map, merges the per-CPU values and hands the
 * printer a map_view: every entry's key bytes (laid out as the key type
 * says) and merged value bytes.  Merged value layouts per aggregation:
 *   count, sum, min, max   int64_t (uint64_t when !agg_signed for count/sum)
 *   avg, stats             struct agg_avg
 *   hist                   uint64_t buckets[hist_bucket_count(type)], then
 *                          the sum of the values (int64_t when agg_signed)
 *   lhist                  uint64_t buckets[lhist_bucket_count(type)], then
 *                          the sum likewise
 *   tseries                struct tseries_point points[type->ts_count]: slot i
 *                          holds the newest interval number n with n % ts_count
 *                          == i and its value (epoch 0: the slot is empty)
 *   not an aggregation     the value type's own bytes
 */
#ifndef SONDE_MAP_PRINT_H
#define SONDE_MAP_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "ast/types.h"
#include "runtime/output.h"

struct agg_avg {
	int64_t total;
	uint64_t count;
};


struct tseries_point {
	uint64_t epoch;	/* interval number: TAI time / ts_interval; 0: none */
	int64_t value;	/* uint64_t bits when the type is unsigned */
};

struct map_entry {
	const uint8_t *key;   /* NULL for a map without keys */
	const uint8_t *value; /* merged across CPUs */
};

struct map_view {
	const char *name;	 /* as written, with '@': "@bytes", "@" */
	const struct type *key;	 /* NULL: no keys */
	const struct type *value;	/* TY_AGG for aggregations */
	struct map_entry *entries;	/* the printer may reorder them */
	size_t n;
	int64_t tai_offset;	/* tseries: CLOCK_TAI - CLOCK_REALTIME, ns */
};

/* print(@map, top, div) and the end-of-run print: top == 0 means all
 * entries, div == 0 or 1 means no division.  Writes exactly what bpftrace
 * writes for the map, trailing blank lines included; an empty map is "\n"
 * ("\n\n" for avg and stats), as in bpftrace (m->n == 0 tells the caller,
 * should it want to skip empty maps).  Keys are compared as raw bytes for
 * hist/lhist/avg/stats ordering: padding and string tails must be zero.
 * See the top of map_print.c for what the caller prints around maps.
 * With o->format OUTPUT_JSON: one {"type": "map"|"hist"|"stats", ...} line
 * instead, nothing for an empty map (runtime/map_json.c). */
void map_print(struct output *o, struct map_view *m, uint32_t top, uint64_t div);

/* One value of type t (not an aggregation) as bpftrace prints it: in a map
 * line, in print(value), inside tuples.  No newline: print(value) adds it.
 * TY_PROBE values are looked up in o->probe_names.  With OUTPUT_JSON: the
 * whole {"type": "value", "data": ...} record, still without the newline. */
void value_print(struct output *o, const struct type *t, const uint8_t *data);

#endif
