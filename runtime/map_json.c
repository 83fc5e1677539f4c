/* Maps and values in bpftrace's JSON form (-f json), one record a line:
 *
 *   {"type": "map", "data": {"@name": VALUE}}            no keys
 *   {"type": "map", "data": {"@name": {"KEY": VALUE, ...}}}
 *   {"type": "hist", ...}   hist and lhist: VALUE is a list of buckets
 *	[{"min": 4, "max": 7, "count": 1}, ...], bounds inclusive; the
 *	bucket below everything has only "max", the one above only "min"
 *   {"type": "stats", ...}  avg: VALUE is the average; stats: VALUE is
 *	{"count": C, "average": A, "total": T}
 *   {"type": "tseries", ...} VALUE is [{"interval_start": "2025-03-04
 *	10:41:46.700000000", "value": 1}, ...] (runtime/map_tseries.c)
 *   {"type": "value", "data": VALUE}                      print(value)
 *
 * KEY is the text form of the key, several keys joined with "," (no
 * space): "1,abc".  Integers are numbers, strings, probes and stacks are
 * JSON strings, tuples and arrays are lists without spaces: [1,"two"].
 * Entries are in the order of the text form, top and div as there.  An
 * empty map writes nothing at all (bpftrace 0.17 does the same).
 *
 * Where bpftrace 0.17 writes something that is not JSON, we do not follow:
 * bytes above 0x7f that are not UTF-8 are \u00XX (not "\uffffffc3"), the
 * last hist bucket's "max" is 18446744073709551615 (not a negative long),
 * pointers are decimal numbers. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/json.h"
#include "runtime/map_print_internal.h"
#include "runtime/record_print.h"
#include "stdlib/special.h"

static void json_value(const struct output *o, FILE *f, const struct type *t,
		       const uint8_t *d, uint64_t div);

static void json_list(const struct output *o, FILE *f, const struct type *t,
		      const uint8_t *d, uint64_t div)
{
	fputc('[', f);
	if (t->kind == TY_TUPLE) {
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				fputc(',', f);
			json_value(o, f, t->fields[i], d + t->offsets[i], div);
		}
	} else {
		uint32_t es = t->elem ? t->elem->size : 0;
		for (uint32_t i = 0; i < t->count; i++) {
			if (i)
				fputc(',', f);
			json_value(o, f, t->elem, d + i * es, div);
		}
	}
	fputc(']', f);
}

static void json_value(const struct output *o, FILE *f, const struct type *t,
		       const uint8_t *d, uint64_t div)
{
	struct output tmp = *o;

	tmp.out = f;
	if (!t) {
		fputs("null", f);
		return;
	}
	switch (t->kind) {
	case TY_INT:
	case TY_PTR:
	case TY_BOOL:
		map_value_text(&tmp, t, d, div, false);
		break;
	case TY_STRING:
		json_write_string(f, (const char *)d, strnlen((const char *)d, t->size));
		break;
	case TY_PROBE: {
		uint64_t id;
		memcpy(&id, d, 8);
		const char *name = id < (uint64_t)(o->nprobe_names > 0 ? o->nprobe_names : 0)
					   ? o->probe_names[id] : NULL;
		json_write_string(f, name ? name : "?", strlen(name ? name : "?"));
		break;
	}
	case TY_TUPLE:
	case TY_ARRAY:
		json_list(o, f, t, d, div);
		break;
	case TY_RECORD:		/* structs from kernel BTF, args */
		record_print_json(f, t, d);
		break;
	case TY_SPECIAL: {	/* stdlib/special.c */
		char *text = special_text(o, t, d, false);
		json_write_string(f, text ? text : "", text ? strlen(text) : 0);
		free(text);
		break;
	}
	default:
		fputs("null", f);
		break;
	}
}

void value_print_json(struct output *o, const struct type *t, const uint8_t *data)
{
	/* print_print() adds the newline */
	fputs("{\"type\": \"value\", \"data\": ", o->out);
	json_value(o, o->out, t, data, 1);
	fputc('}', o->out);
}

/* "1,abc": the keys' text forms joined with ",", as a JSON string. */
static void json_key(const struct output *o, const struct map_view *m, const uint8_t *key,
		     FILE *scratch, char **buf, size_t *size)
{
	struct output tmp = *o;
	const struct type *k = m->key;

	tmp.out = scratch;
	fseeko(scratch, 0, SEEK_SET);
	if (k->kind == TY_TUPLE) {
		for (int i = 0; i < k->nfields; i++) {
			if (i)
				fputc(',', scratch);
			map_value_text(&tmp, k->fields[i], key + k->offsets[i], 1, true);
		}
	} else {
		map_value_text(&tmp, k, key, 1, true);
	}
	fflush(scratch);
	size_t len = (size_t)ftello(scratch);
	json_write_string(o->out, *buf, len < *size ? len : *size);
}

static void json_hist_bucket(FILE *f, bool first, const char *bounds, uint64_t count)
{
	fprintf(f, "%s{%s\"count\": %" PRIu64 "}", first ? "" : ", ", bounds, count);
}

static void json_hist(FILE *f, const struct type *t, const uint8_t *v, uint64_t div)
{
	uint32_t nb = hist_bucket_count(t);
	uint32_t bits = t->hist_bits > 0 ? (uint32_t)t->hist_bits : 0;
	int min_index = -1, max_index = -1;
	char b[96];

	if (bits > 16)
		bits = 16;
	for (uint32_t i = 0; i < nb; i++) {
		uint64_t c;
		memcpy(&c, v + 8 * i, 8);
		/* bpftrace reads the counts into an int here too */
		if ((int)(uint32_t)c > 0) {
			if (min_index == -1)
				min_index = (int)i;
			max_index = (int)i;
		}
	}
	fputc('[', f);
	for (int i = min_index; max_index >= 0 && i <= max_index; i++) {
		uint64_t c;
		memcpy(&c, v + 8 * i, 8);
		if (i == 0) {
			snprintf(b, sizeof(b), "\"max\": -1, ");
		} else if ((uint32_t)i <= (2u << bits)) {
			snprintf(b, sizeof(b), "\"min\": %d, \"max\": %d, ", i - 1, i - 1);
		} else {
			uint64_t lo = hist_bucket_low((uint32_t)i - 1, bits);
			uint64_t hi = ((uint32_t)i >> bits) - 1 >= 64
					      ? UINT64_MAX : hist_bucket_low((uint32_t)i, bits) - 1;
			snprintf(b, sizeof(b), "\"min\": %" PRIu64 ", \"max\": %" PRIu64 ", ", lo, hi);
		}
		json_hist_bucket(f, i == min_index, b, c / div);
	}
	fputc(']', f);
}

static void json_lhist(FILE *f, const struct type *t, const uint8_t *v)
{
	uint32_t nb = lhist_bucket_count(t);
	int64_t min = t->lhist_min, max = t->lhist_max, step = t->lhist_step;
	int buckets = (int)nb - 2, start = -1, end = 0;
	char b[96];

	for (int i = 0; i <= buckets + 1; i++) {
		uint64_t c;
		memcpy(&c, v + 8 * i, 8);
		if (c > 0) {
			if (start == -1)
				start = i;
			end = i;
		}
	}
	fputc('[', f);
	for (int i = start; start >= 0 && i <= end; i++) {
		uint64_t c;
		memcpy(&c, v + 8 * i, 8);
		if (i == 0)
			snprintf(b, sizeof(b), "\"max\": %" PRId64 ", ", min - 1);
		else if (i == buckets + 1)
			snprintf(b, sizeof(b), "\"min\": %" PRId64 ", ", max);
		else
			snprintf(b, sizeof(b), "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ",
				 (i - 1) * step + min, i * step + min - 1);
		json_hist_bucket(f, i == start, b, c);
	}
	fputc(']', f);
}

static void json_stats(FILE *f, const struct type *t, const uint8_t *v)
{
	struct agg_avg a;
	memcpy(&a, v, sizeof(a));
	if (t->agg_signed) {
		int64_t avg = a.count ? a.total / (int64_t)a.count : 0;
		fprintf(f, "{\"count\": %" PRIu64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}",
			a.count, avg, a.total);
	} else {
		uint64_t avg = a.count ? (uint64_t)a.total / a.count : 0;
		fprintf(f, "{\"count\": %" PRIu64 ", \"average\": %" PRIu64 ", \"total\": %" PRIu64 "}",
			a.count, avg, (uint64_t)a.total);
	}
}

static const char *json_type(const struct type *t)
{
	if (t->kind != TY_AGG)
		return "map";
	switch (t->agg) {
	case AGG_HIST:
	case AGG_LHIST: return "hist";
	case AGG_AVG:
	case AGG_STATS: return "stats";
	case AGG_TSERIES: return "tseries";
	default: return "map";
	}
}

static void json_entry_value(const struct output *o, const struct map_view *m, const uint8_t *v,
			     uint64_t div, uint64_t last)
{
	const struct type *t = m->value;
	FILE *f = o->out;
	if (t->kind != TY_AGG) {
		json_value(o, f, t, v, div);
		return;
	}
	switch (t->agg) {
	case AGG_HIST: json_hist(f, t, v, div); break;
	case AGG_LHIST: json_lhist(f, t, v); break;
	case AGG_STATS: json_stats(f, t, v); break;
	case AGG_TSERIES: tseries_json(f, m, v, last); break;
	default: map_agg_value_text(f, t, v, div); break;
	}
}

void map_print_json(struct output *o, struct map_view *m, uint32_t top, uint64_t div)
{
	const struct type *t = m->value;
	FILE *f = o->out;
	char *kbuf = NULL;
	size_t ksize = 0;
	FILE *scratch = NULL;

	if (!t || m->n == 0)
		return;
	size_t skip = map_print_order(m, &top, &div);
	uint64_t last = t->kind == TY_AGG && t->agg == AGG_TSERIES ? tseries_last_epoch(m) : 0;
	bool keyed = m->key != NULL;
	if (keyed) {
		scratch = open_memstream(&kbuf, &ksize);
		if (!scratch)
			return;
	}
	fprintf(f, "{\"type\": \"%s\", \"data\": {", json_type(t));
	json_write_string(f, m->name, strlen(m->name));
	fputs(": ", f);
	if (keyed)
		fputc('{', f);
	for (size_t i = skip; i < m->n; i++) {
		const struct map_entry *e = &m->entries[i];
		if (i > skip)
			fputs(", ", f);
		if (keyed && e->key) {
			json_key(o, m, e->key, scratch, &kbuf, &ksize);
			fputs(": ", f);
		}
		json_entry_value(o, m, e->value, div, last);
	}
	if (keyed)
		fputc('}', f);
	fputs("}}\n", f);
	if (scratch)
		fclose(scratch);
	free(kbuf);
}
