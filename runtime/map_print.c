/* Printing maps and values exactly as bpftrace (0.17, text mode) prints them.
 *
 * What map_print() writes for one map, byte for byte what bpftrace's
 * print_map() writes for it (at exit and for print(@m)):
 *
 *   count, sum, min, max, plain values:
 *	"@m[key]: value\n" per entry; a map without keys is "@m: value\n";
 *	several keys are "@m[k1, k2]".
 *   avg, stats: the entries as above, then one more "\n".
 *	stats value: "count C, average A, total T".
 *   hist, lhist: per entry "@m[key]: \n" (note the space before the newline),
 *	then one line per bucket, then "\n" after every entry.
 *   tseries (bpftrace 0.17 has none; as newer bpftrace prints it): per
 *	entry "@m[key]:\n", the chart of runtime/map_tseries.c, then "\n".
 *   an empty map: "\n" ("\n\n" for avg and stats), as bpftrace does.
 *
 * What the caller adds around it:
 *   - At exit, after the END probes ran and every pending event was printed,
 *     "\n\n" (bpftrace 0.17 prints it even when there are no maps), then
 *     every map, in strcmp order of the names ("@" < "@B" < "@_x" < "@a"),
 *     empty ones included, with nothing between them.
 *   - print(@m, top, div) is just map_print(); nothing before or after.
 *   - print(value) is value_print() followed by "\n".
 *
 * Entry order, as bpftrace sorts:
 *   - count, sum, min, max and integer values: by value ascending (signed
 *     unless the value is unsigned).  bpftrace leaves ties in the kernel's
 *     hash order, which is random per run; we order ties by key.
 *   - hist, lhist: by the sum of all buckets; avg, stats: by the integer
 *     average.  bpftrace first orders the entries by their raw key bytes
 *     (std::map), then runs std::sort, which is not stable: with more than 16
 *     entries ties come out shuffled in a fixed way.  sort_introsort() below
 *     is libstdc++'s algorithm step by step so that order is reproduced.
 *     Keys must be zero-filled between and after fields for this.
 *   - everything else (strings, tuples, pointers, bools): by key, field by
 *     field; integer fields compare as unsigned (so @m[2] comes before
 *     @m[-1]), strings with strncmp.
 *
 * top keeps the last top entries of that order (the largest); it is ignored
 * for stats.  div divides count/sum/min/max/avg and integer values (integer
 * division truncating toward zero, also inside tuples), the count column of
 * hist (not its bars), and nothing in lhist and stats.
 *
 * Values: integers in decimal, strings up to their NUL, tuples "(1, abc)",
 * arrays "[1,2,3]" (no spaces), pointers as signed decimals but in hex
 * ("0x10") inside keys (0.17 does both), probe as its name, bool as
 * true/false (0.17 has no bool type: comparisons there are integers 0/1).
 *
 * Histogram lines: the label left-aligned in 16 columns, the count
 * right-aligned in 8, " |", a bar of '@' left-aligned in 52 columns, "|".
 * The bar is count / max_count * 52 in single precision, truncated.  Rows run
 * from the first to the last non-empty bucket, inner empty buckets included.
 * hist labels: "(..., 0)", "[0]", "[1]", then "[lo, hi)" with the powers of
 * two written with K, M, G, T, P, E suffixes (1024 based).  lhist labels:
 * "(..., min)", "[lo, hi)", "[max, ...)", a bound written with M or K when it
 * is a non-zero multiple of 1M or 1K (0.17 does this whatever the step).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/map_print.h"
#include "runtime/map_print_internal.h"
#include "runtime/record_print.h"
#include "stdlib/special.h"

#define HIST_BAR_WIDTH 52

static uint32_t hist_bits(const struct type *agg)
{
	uint32_t bits = agg && agg->hist_bits > 0 ? (uint32_t)agg->hist_bits : 0;

	/* bpftrace accepts 0..5; keep nonsense from overflowing. */
	return bits > 16 ? 16 : bits;
}


/* --- reading raw bytes ----------------------------------------------------- */

static uint64_t rd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static int64_t rd_i64(const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd_uint(const uint8_t *p, uint32_t size)
{
	switch (size) {
	case 1: return p[0];
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: return rd_u64(p);
	}
}

static int64_t rd_sint(const uint8_t *p, uint32_t size)
{
	switch (size) {
	case 1: return (int8_t)p[0];
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	default: return rd_i64(p);
	}
}

static int64_t sdiv(int64_t v, uint64_t div)
{
	if (div <= 1 || div > INT64_MAX)
		return div > INT64_MAX ? 0 : v;
	return v / (int64_t)div;
}

/* --- values ---------------------------------------------------------------- */

static void print_one(const struct output *o, const struct type *t, const uint8_t *d,
		      uint64_t div, bool key);

static void print_int(FILE *f, const struct type *t, const uint8_t *d, uint64_t div)
{
	if (t->is_signed)
		fprintf(f, "%" PRId64, sdiv(rd_sint(d, t->size), div));
	else
		fprintf(f, "%" PRIu64, rd_uint(d, t->size) / div);
}

static void print_fields(const struct output *o, const struct type *t, const uint8_t *d,
			 uint64_t div, bool key)
{
	for (int i = 0; i < t->nfields; i++) {
		if (i)
			fputs(", ", o->out);
		print_one(o, t->fields[i], d + t->offsets[i], div, key);
	}
}

/* key: the value is (part of) a map key.  bpftrace prints pointers in keys
 * in hex but pointer values as signed decimals. */
static void print_one(const struct output *o, const struct type *t, const uint8_t *d,
		      uint64_t div, bool key)
{
	FILE *f = o->out;

	if (!t)
		return;
	switch (t->kind) {
	case TY_INT:
		print_int(f, t, d, div);
		break;
	case TY_BOOL:
		fputs(d[0] ? "true" : "false", f);
		break;
	case TY_STRING:
		fwrite(d, 1, strnlen((const char *)d, t->size), f);
		break;
	case TY_TUPLE:
		fputc('(', f);
		print_fields(o, t, d, div, key);
		fputc(')', f);
		break;
	case TY_PTR:
		if (key)
			fprintf(f, "0x%" PRIx64, rd_u64(d));
		else
			fprintf(f, "%" PRId64, sdiv(rd_i64(d), div));
		break;
	case TY_ARRAY: {
		uint32_t es = t->elem ? t->elem->size : 0;
		fputc('[', f);
		for (uint32_t i = 0; i < t->count; i++) {
			if (i)
				fputc(',', f);
			print_one(o, t->elem, d + i * es, div, key);
		}
		fputc(']', f);
		break;
	}
	case TY_PROBE: {
		uint64_t id = rd_u64(d);
		if (id < (uint64_t)(o->nprobe_names > 0 ? o->nprobe_names : 0) && o->probe_names[id])
			fputs(o->probe_names[id], f);
		else
			fputc('?', f);
		break;
	}
	case TY_SPECIAL:	/* user names, symbols, stacks, buffers: stdlib/special.c */
		special_print(o, t, d, key);
		break;
	case TY_RECORD:		/* structs from kernel BTF */
		record_print(f, t, d);
		break;
	default:
		/* Records carry no field list in struct type; aggregations are
		 * printed by map_print. */
		break;
	}
}

void value_print(struct output *o, const struct type *t, const uint8_t *data)
{
	if (o->format == OUTPUT_JSON) {
		value_print_json(o, t, data);
		return;
	}
	print_one(o, t, data, 1, false);
}

void map_value_text(const struct output *o, const struct type *t, const uint8_t *d,
		    uint64_t div, bool key)
{
	print_one(o, t, d, div, key);
}

static void print_key(const struct output *o, const struct map_view *m, const uint8_t *key)
{
	FILE *f = o->out;

	fputs(m->name, f);
	if (!m->key || !key)
		return;
	fputc('[', f);
	/* Several keys are a tuple, written without parentheses. */
	if (m->key->kind == TY_TUPLE)
		print_fields(o, m->key, key, 1, true);
	else
		print_one(o, m->key, key, 1, true);
	fputc(']', f);
}

/* --- sorting ---------------------------------------------------------------- */

/* A stable merge sort: ties keep the order they came in. */
typedef int (*entry_cmp)(const struct map_entry *, const struct map_entry *, const void *);

static void merge_sort(struct map_entry *e, struct map_entry *tmp, size_t n, entry_cmp cmp,
		       const void *ctx)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	merge_sort(e, tmp, h, cmp, ctx);
	merge_sort(e + h, tmp, n - h, cmp, ctx);
	while (i < h && j < n)
		tmp[k++] = cmp(&e[j], &e[i], ctx) < 0 ? e[j++] : e[i++];
	while (i < h)
		tmp[k++] = e[i++];
	while (j < n)
		tmp[k++] = e[j++];
	memcpy(e, tmp, n * sizeof(*e));
}

static void stable_sort(struct map_entry *e, size_t n, entry_cmp cmp, const void *ctx)
{
	if (n < 2)
		return;
	struct map_entry *tmp = malloc(n * sizeof(*tmp));
	if (tmp) {
		merge_sort(e, tmp, n, cmp, ctx);
		free(tmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {	/* out of memory: slow but stable */
		struct map_entry x = e[i];
		size_t j = i;
		for (; j > 0 && cmp(&x, &e[j - 1], ctx) < 0; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* One key field the way bpftrace's sort_by_key compares it. */
static int key_field_cmp(const struct type *t, const uint8_t *a, const uint8_t *b)
{
	if (t->kind == TY_INT)
		return cmp_u64(rd_uint(a, t->size), rd_uint(b, t->size));
	if (t->kind == TY_STRING) {
		int c = strncmp((const char *)a, (const char *)b, t->size);
		return c < 0 ? -1 : c > 0;
	}
	/* bpftrace leaves other fields in hash order; bytes are as good. */
	return memcmp(a, b, t->size);
}

static int cmp_by_key(const struct map_entry *x, const struct map_entry *y, const void *ctx)
{
	const struct type *k = ctx;

	if (!k || !x->key || !y->key)
		return 0;
	if (k->kind != TY_TUPLE)
		return key_field_cmp(k, x->key, y->key);
	for (int i = 0; i < k->nfields; i++) {
		int c = key_field_cmp(k->fields[i], x->key + k->offsets[i], y->key + k->offsets[i]);
		if (c)
			return c;
	}
	return 0;
}

struct value_order {
	const struct map_view *m;
	bool is_signed;
};

static int cmp_by_value(const struct map_entry *x, const struct map_entry *y, const void *ctx)
{
	const struct value_order *vo = ctx;
	const struct type *t = vo->m->value;
	uint32_t size = t->kind == TY_INT ? t->size : 8;
	int c;

	if (vo->is_signed)
		c = cmp_i64(rd_sint(x->value, size), rd_sint(y->value, size));
	else
		c = cmp_u64(rd_uint(x->value, size), rd_uint(y->value, size));
	return c ? c : cmp_by_key(x, y, vo->m->key);
}

/* Sort records the way libstdc++'s std::sort does (introsort with a
 * median-of-three pivot, heap sort past the depth limit, insertion sort for
 * runs of 16 or fewer), so equal totals end up exactly where bpftrace puts
 * them. */
struct srec {
	struct map_entry e;
	uint64_t total;	/* int64_t bits when signed */
};

struct sorter {
	struct srec *v;
	bool is_signed;
};

static bool sless(const struct sorter *s, const struct srec *a, const struct srec *b)
{
	if (s->is_signed)
		return (int64_t)a->total < (int64_t)b->total;
	return a->total < b->total;
}

static void sswap(struct srec *a, struct srec *b)
{
	struct srec t = *a;
	*a = *b;
	*b = t;
}

static void push_heap(const struct sorter *s, struct srec *first, long hole, long top,
		      struct srec val)
{
	long parent = (hole - 1) / 2;
	while (hole > top && sless(s, &first[parent], &val)) {
		first[hole] = first[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	first[hole] = val;
}

static void adjust_heap(const struct sorter *s, struct srec *first, long hole, long len,
			struct srec val)
{
	long top = hole, child = hole;
	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (sless(s, &first[child], &first[child - 1]))
			child--;
		first[hole] = first[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		first[hole] = first[child - 1];
		hole = child - 1;
	}
	push_heap(s, first, hole, top, val);
}

static void heap_sort(const struct sorter *s, struct srec *first, struct srec *last)
{
	long len = last - first;
	if (len >= 2) {
		for (long parent = (len - 2) / 2;; parent--) {
			adjust_heap(s, first, parent, len, first[parent]);
			if (parent == 0)
				break;
		}
	}
	while (last - first > 1) {
		--last;
		struct srec val = *last;
		*last = *first;
		adjust_heap(s, first, 0, last - first, val);
	}
}

static void median_to_first(const struct sorter *s, struct srec *result, struct srec *a,
			    struct srec *b, struct srec *c)
{
	if (sless(s, a, b)) {
		if (sless(s, b, c))
			sswap(result, b);
		else if (sless(s, a, c))
			sswap(result, c);
		else
			sswap(result, a);
	} else if (sless(s, a, c)) {
		sswap(result, a);
	} else if (sless(s, b, c)) {
		sswap(result, c);
	} else {
		sswap(result, b);
	}
}

static struct srec *unguarded_partition(const struct sorter *s, struct srec *first,
					struct srec *last, struct srec *pivot)
{
	for (;;) {
		while (sless(s, first, pivot))
			++first;
		--last;
		while (sless(s, pivot, last))
			--last;
		if (!(first < last))
			return first;
		sswap(first, last);
		++first;
	}
}

static void introsort_loop(const struct sorter *s, struct srec *first, struct srec *last,
			   long depth)
{
	while (last - first > 16) {
		if (depth == 0) {
			heap_sort(s, first, last);
			return;
		}
		--depth;
		struct srec *mid = first + (last - first) / 2;
		median_to_first(s, first, first + 1, mid, last - 1);
		struct srec *cut = unguarded_partition(s, first + 1, last, first);
		introsort_loop(s, cut, last, depth);
		last = cut;
	}
}

static void unguarded_linear_insert(const struct sorter *s, struct srec *last)
{
	struct srec val = *last;
	struct srec *next = last - 1;
	while (sless(s, &val, next)) {
		*last = *next;
		last = next;
		--next;
	}
	*last = val;
}

static void insertion_sort(const struct sorter *s, struct srec *first, struct srec *last)
{
	if (first == last)
		return;
	for (struct srec *i = first + 1; i != last; ++i) {
		if (sless(s, i, first)) {
			struct srec val = *i;
			memmove(first + 1, first, (size_t)(i - first) * sizeof(*first));
			*first = val;
		} else {
			unguarded_linear_insert(s, i);
		}
	}
}

static void sort_introsort(struct srec *v, size_t n, bool is_signed)
{
	struct sorter s = { v, is_signed };
	long lg = 0;

	if (n < 2)
		return;
	for (size_t x = n; x > 1; x >>= 1)
		lg++;
	introsort_loop(&s, v, v + n, lg * 2);
	if (n > 16) {
		insertion_sort(&s, v, v + 16);
		for (struct srec *i = v + 16; i != v + n; ++i)
			unguarded_linear_insert(&s, i);
	} else {
		insertion_sort(&s, v, v + n);
	}
}

static int cmp_key_bytes(const struct map_entry *x, const struct map_entry *y, const void *ctx)
{
	const struct type *k = ctx;
	if (!k || !x->key || !y->key)
		return 0;
	return memcmp(x->key, y->key, k->size);
}

/* --- aggregations ------------------------------------------------------------ */

static uint64_t hist_total(const uint8_t *v, uint32_t nb)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < nb; i++)
		sum += rd_u64(v + 8 * i);
	return sum;
}

static int64_t avg_of(const uint8_t *v, bool is_signed)
{
	struct agg_avg a;
	memcpy(&a, v, sizeof(a));
	if (!a.count)
		return 0;
	if (is_signed)
		return a.total / (int64_t)a.count;
	return (int64_t)((uint64_t)a.total / a.count);
}

/* Sorts the entries that need bpftrace's std::sort order. */
static void sort_by_total(struct map_view *m, uint32_t nb)
{
	const struct type *t = m->value;
	bool is_signed = t->agg == AGG_AVG || t->agg == AGG_STATS ? t->agg_signed : false;
	struct srec *v = malloc(m->n * sizeof(*v));

	/* std::map order first: the raw key bytes. */
	stable_sort(m->entries, m->n, cmp_key_bytes, m->key);
	if (!v)
		return;	/* out of memory: same entries, only the order differs */
	for (size_t i = 0; i < m->n; i++) {
		v[i].e = m->entries[i];
		if (t->agg == AGG_HIST || t->agg == AGG_LHIST)
			v[i].total = hist_total(m->entries[i].value, nb);
		else
			v[i].total = (uint64_t)avg_of(m->entries[i].value, is_signed);
	}
	sort_introsort(v, m->n, is_signed);
	for (size_t i = 0; i < m->n; i++)
		m->entries[i] = v[i].e;
	free(v);
}

uint64_t hist_bucket_low(uint32_t index, uint32_t bits)
{
	uint32_t n = 1u << bits, interval = index & (n - 1);
	uint32_t power = (index >> bits) - 1;

	return ((uint64_t)1 << power) * (n + interval);
}

static void hist_label(char *buf, size_t len, uint32_t index, uint32_t bits)
{
	uint32_t n = 1u << bits, interval = index & (n - 1);
	uint32_t power = (index >> bits) - 1;
	uint32_t decade = power / 10;
	static const char suffix[] = "\0KMGTPE";

	power -= 10 * decade;
	if (decade >= sizeof(suffix) - 1 || !suffix[decade])
		snprintf(buf, len, "%" PRIu64, ((uint64_t)1 << power) * (n + interval));
	else
		snprintf(buf, len, "%" PRIu64 "%c", ((uint64_t)1 << power) * (n + interval),
			 suffix[decade]);
}

static void lhist_label(char *buf, size_t len, int64_t number)
{
	if (number != 0 && number % 1048576 == 0)
		snprintf(buf, len, "%" PRId64 "M", number / 1048576);
	else if (number != 0 && number % 1024 == 0)
		snprintf(buf, len, "%" PRId64 "K", number / 1024);
	else
		snprintf(buf, len, "%" PRId64, number);
}

static void hist_row(FILE *f, const char *label, uint64_t shown, uint64_t count, int max_value)
{
	/* As bpftrace: the ratio in single precision, truncated. */
	float w = (float)count / (float)max_value * HIST_BAR_WIDTH;
	int bar = w > 0 && w < 1e6f ? (int)w : 0;

	fprintf(f, "%-16s%8" PRIu64 " |", label, shown);
	for (int i = 0; i < bar; i++)
		fputc('@', f);
	for (int i = bar; i < HIST_BAR_WIDTH; i++)
		fputc(' ', f);
	fputs("|\n", f);
}

/* bpftrace reads bucket counts into an int to find the rows and the longest
 * bar; doing the same keeps huge counts printing as it does. */
static void print_hist(FILE *f, const uint8_t *v, uint32_t nb, uint32_t bits, uint64_t div)
{
	int min_index = -1, max_index = -1, max_value = 0;
	char label[96];

	for (uint32_t i = 0; i < nb; i++) {
		int c = (int)(uint32_t)rd_u64(v + 8 * i);
		if (c > 0) {
			if (min_index == -1)
				min_index = (int)i;
			max_index = (int)i;
		}
		if (c > max_value)
			max_value = c;
	}
	if (max_index == -1)
		return;
	for (int i = min_index; i <= max_index; i++) {
		if (i == 0)
			snprintf(label, sizeof(label), "(..., 0)");
		else if ((uint32_t)i <= (2u << bits))
			snprintf(label, sizeof(label), "[%d]", i - 1);
		else {
			char lo[32], hi[32];
			hist_label(lo, sizeof(lo), (uint32_t)i - 1, bits);
			hist_label(hi, sizeof(hi), (uint32_t)i, bits);
			snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
		}
		uint64_t c = rd_u64(v + 8 * i);
		hist_row(f, label, c / div, c, max_value);
	}
}

static void print_lhist(FILE *f, const uint8_t *v, const struct type *t, uint32_t nb)
{
	int max_index = -1, max_value = 0, start = -1, end = 0;
	int64_t min = t->lhist_min, max = t->lhist_max, step = t->lhist_step;
	int buckets = (int)nb - 2;
	char label[96], lo[40], hi[40];

	for (uint32_t i = 0; i < nb; i++) {
		int c = (int)(uint32_t)rd_u64(v + 8 * i);
		if (c != 0)
			max_index = (int)i;
		if (c > max_value)
			max_value = c;
	}
	if (max_index == -1)
		return;
	for (int i = 0; i <= buckets + 1; i++) {
		if (rd_u64(v + 8 * i) > 0) {
			if (start == -1)
				start = i;
			end = i;
		}
	}
	if (start == -1)
		start = 0;
	for (int i = start; i <= end; i++) {
		if (i == 0) {
			lhist_label(lo, sizeof(lo), min);
			snprintf(label, sizeof(label), "(..., %s)", lo);
		} else if (i == buckets + 1) {
			lhist_label(lo, sizeof(lo), max);
			snprintf(label, sizeof(label), "[%s, ...)", lo);
		} else {
			lhist_label(lo, sizeof(lo), (i - 1) * step + min);
			lhist_label(hi, sizeof(hi), i * step + min);
			snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
		}
		uint64_t c = rd_u64(v + 8 * i);
		hist_row(f, label, c, c, max_value);
	}
}

static void print_agg_value(FILE *f, const struct type *t, const uint8_t *v, uint64_t div)
{
	switch (t->agg) {
	case AGG_COUNT:
	case AGG_SUM:
	case AGG_MIN:
	case AGG_MAX:
		if (t->agg_signed && t->agg != AGG_COUNT)
			fprintf(f, "%" PRId64, sdiv(rd_i64(v), div));
		else
			fprintf(f, "%" PRIu64, rd_u64(v) / div);
		break;
	case AGG_AVG:
		fprintf(f, "%" PRId64, sdiv(avg_of(v, t->agg_signed), div));
		break;
	case AGG_STATS: {
		struct agg_avg a;
		memcpy(&a, v, sizeof(a));
		if (t->agg_signed)
			fprintf(f, "count %" PRId64 ", average %" PRId64 ", total %" PRId64,
				(int64_t)a.count, avg_of(v, true), a.total);
		else
			fprintf(f, "count %" PRIu64 ", average %" PRIu64 ", total %" PRIu64,
				a.count, (uint64_t)avg_of(v, false), (uint64_t)a.total);
		break;
	}
	default:
		break;
	}
}

void map_agg_value_text(FILE *f, const struct type *t, const uint8_t *v, uint64_t div)
{
	print_agg_value(f, t, v, div ? div : 1);
}

/* --- maps -------------------------------------------------------------------- */

static bool sorts_by_value(const struct type *t)
{
	if (t->kind == TY_INT)
		return true;
	return t->kind == TY_AGG && (t->agg == AGG_COUNT || t->agg == AGG_SUM ||
				     t->agg == AGG_MIN || t->agg == AGG_MAX);
}

static bool value_is_signed(const struct type *t)
{
	if (t->kind == TY_INT)
		return t->is_signed;
	return t->agg != AGG_COUNT && t->agg_signed;
}

size_t map_print_order(struct map_view *m, uint32_t *top_p, uint64_t *div_p)
{
	const struct type *t = m->value;
	bool is_agg = t->kind == TY_AGG;
	bool is_hist = is_agg && (t->agg == AGG_HIST || t->agg == AGG_LHIST);
	bool is_stats = is_agg && (t->agg == AGG_AVG || t->agg == AGG_STATS);
	uint32_t nb = 0, top = *top_p;
	uint64_t div = *div_p;

	if (div == 0)
		div = 1;
	if (is_hist)
		nb = t->agg == AGG_HIST ? hist_bucket_count(t) : lhist_bucket_count(t);

	if (is_agg && t->agg == AGG_TSERIES) {
		/* bpftrace keeps them in a std::map by the key's bytes */
		stable_sort(m->entries, m->n, cmp_key_bytes, m->key);
	} else if (is_hist || is_stats) {
		sort_by_total(m, nb);
	} else if (sorts_by_value(t)) {
		struct value_order vo = { m, value_is_signed(t) };
		stable_sort(m->entries, m->n, cmp_by_value, &vo);
	} else {
		stable_sort(m->entries, m->n, cmp_by_key, m->key);
	}

	/* bpftrace ignores top and div for stats (and warns at compile time)
	 * and for tseries. */
	if (is_agg && (t->agg == AGG_STATS || t->agg == AGG_TSERIES)) {
		top = 0;
		div = 1;
	}
	*top_p = top;
	*div_p = div;
	return top && m->n > top ? m->n - top : 0;
}

void map_print(struct output *o, struct map_view *m, uint32_t top, uint64_t div)
{
	FILE *f = o->out;
	const struct type *t = m->value;
	bool is_agg = t && t->kind == TY_AGG;
	bool is_hist = is_agg && (t->agg == AGG_HIST || t->agg == AGG_LHIST);
	bool is_stats = is_agg && (t->agg == AGG_AVG || t->agg == AGG_STATS);
	uint32_t nb = 0;

	if (!t)
		return;
	if (o->format == OUTPUT_JSON) {
		map_print_json(o, m, top, div);
		return;
	}
	if (is_hist)
		nb = t->agg == AGG_HIST ? hist_bucket_count(t) : lhist_bucket_count(t);
	size_t skip = map_print_order(m, &top, &div);
	if (is_agg && t->agg == AGG_TSERIES && m->n) {
		/* newer bpftrace's layout: "@m[key]:", the chart, a blank line */
		uint64_t last = tseries_last_epoch(m);
		for (size_t i = 0; i < m->n; i++) {
			print_key(o, m, m->entries[i].key);
			fputs(":\n", f);
			tseries_chart(f, m, m->entries[i].value, last);
			fputc('\n', f);
		}
		return;
	}
	for (size_t i = skip; i < m->n; i++) {
		const struct map_entry *e = &m->entries[i];

		if (i > skip)
			fputc('\n', f);
		print_key(o, m, e->key);
		if (is_hist) {
			fputs(": \n", f);
			if (t->agg == AGG_HIST)
				print_hist(f, e->value, nb, hist_bits(t), div);
			else
				print_lhist(f, e->value, t, nb);
		} else {
			fputs(": ", f);
			if (is_agg)
				print_agg_value(f, t, e->value, div);
			else
				print_one(o, t, e->value, div, false);
		}
	}
	fputc('\n', f);
	if (is_stats)
		fputc('\n', f);
}
