/* Reading maps out of the kernel: keys iterated, per-CPU values merged into
 * the layouts runtime/map_print.h documents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "runtime/map_read.h"

static uint32_t stride(uint32_t size)
{
	return (size + 7) & ~7u;
}

/* Merges ncpus per-CPU values of an aggregation into out; returns false
 * when the state shows the entry was never updated. */
static bool merge(const struct type *agg, const struct map_layout *l, const uint8_t *vals,
		  int ncpus, uint8_t *out)
{
	uint32_t st = stride(l->value_size);
	switch (agg->agg) {
	case AGG_COUNT:
	case AGG_SUM: {
		int64_t sum = 0;
		bool written = !l->sum_written;
		for (int c = 0; c < ncpus; c++) {
			int64_t v;
			uint64_t w = 0;
			memcpy(&v, vals + (size_t)c * st, 8);
			if (l->sum_written)
				memcpy(&w, vals + (size_t)c * st + 8, 8);
			sum = (int64_t)((uint64_t)sum + (uint64_t)v);
			written |= w != 0;
		}
		memcpy(out, &sum, 8);
		return written;
	}
	case AGG_MIN:
	case AGG_MAX: {
		bool any = false;
		int64_t best = 0;
		for (int c = 0; c < ncpus; c++) {
			int64_t v;
			uint64_t set;
			memcpy(&v, vals + (size_t)c * st, 8);
			memcpy(&set, vals + (size_t)c * st + 8, 8);
			if (!set)
				continue;
			bool better;
			if (agg->agg_signed)
				better = agg->agg == AGG_MIN ? v < best : v > best;
			else
				better = agg->agg == AGG_MIN ? (uint64_t)v < (uint64_t)best
							     : (uint64_t)v > (uint64_t)best;
			if (!any || better)
				best = v;
			any = true;
		}
		memcpy(out, &best, 8);
		return any;
	}
	case AGG_AVG:
	case AGG_STATS: {
		struct agg_avg a = {0, 0};
		for (int c = 0; c < ncpus; c++) {
			struct agg_avg v;
			memcpy(&v, vals + (size_t)c * st, sizeof(v));
			a.total += v.total;
			a.count += v.count;
		}
		memcpy(out, &a, sizeof(a));
		return a.count > 0;
	}
	default:
		return false;
	}
}

/* The u64 at offset off of every CPU's value, added up. */
static uint64_t sum_u64(const uint8_t *vals, int ncpus, uint32_t size, uint32_t off)
{
	uint64_t sum = 0;
	for (int c = 0; c < ncpus; c++) {
		uint64_t v;
		memcpy(&v, vals + (size_t)c * stride(size) + off, 8);
		sum += v;
	}
	return sum;
}

/* tseries: the newest interval any CPU holds in this slot, the CPUs that
 * hold it combined as bpftrace's util::reduce_tseries_value does (slots of
 * stdlib/tseries.c: value, meta, interval number). */
static struct tseries_point tseries_merge(const struct type *t, const uint8_t *vals, int ncpus,
					  uint32_t size)
{
	struct tseries_point p = {0, 0};
	uint64_t meta = 0, newest = 0;
	for (int c = 0; c < ncpus; c++) {
		uint64_t e;
		memcpy(&e, vals + (size_t)c * stride(size) + 16, 8);
		if (e > newest)
			newest = e;
	}
	for (int c = 0; c < ncpus && newest; c++) {
		const uint8_t *v = vals + (size_t)c * stride(size);
		int64_t x;
		uint64_t m, e;
		memcpy(&x, v, 8);
		memcpy(&m, v + 8, 8);
		memcpy(&e, v + 16, 8);
		if (e != newest)
			continue;
		bool first = !p.epoch, sg = t->agg_signed;
		bool lt = sg ? x < p.value : (uint64_t)x < (uint64_t)p.value;
		bool gt = sg ? x > p.value : (uint64_t)x > (uint64_t)p.value;
		p.epoch = e;
		switch (t->ts_fn) {
		case TS_LAST:	/* the CPU that wrote last */
			if (first || m > meta) {
				p.value = x;
				meta = m;
			}
			break;
		case TS_AVG:
		case TS_SUM:
			p.value = (int64_t)((uint64_t)p.value + (uint64_t)x);
			meta += m;
			break;
		case TS_MIN:
			if (first || lt)
				p.value = x;
			break;
		case TS_MAX:
			if (first || gt)
				p.value = x;
			break;
		}
	}
	if (t->ts_fn == TS_AVG && meta)
		p.value = t->agg_signed ? p.value / (int64_t)meta
					: (int64_t)((uint64_t)p.value / meta);
	return p;
}

static struct map_entry *entry_add(struct map_snapshot *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct map_entry *e = realloc(s->view.entries, cap * sizeof(*e));
		if (!e)
			return NULL;
		s->view.entries = e;
		s->cap = cap;
	}
	struct map_entry *e = &s->view.entries[s->n++];
	s->view.n = s->n;
	return e;
}

static void *dup(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);
	if (q)
		memcpy(q, p, n);
	return q;
}

/* hist/lhist/tseries: fold (user key, bucket) entries into one array of
 * nbuckets elements of size bytes per user key. */
static void *buckets_for(struct map_snapshot *s, const uint8_t *ukey, uint32_t ukey_size,
			 uint32_t nbuckets, size_t size)
{
	for (size_t i = 0; i < s->n; i++)
		if (!ukey_size || !memcmp(s->view.entries[i].key, ukey, ukey_size))
			return (void *)s->view.entries[i].value;
	struct map_entry *e = entry_add(s);
	if (!e)
		return NULL;
	e->key = ukey_size ? dup(ukey, ukey_size) : NULL;
	e->value = calloc(nbuckets, size);
	return (void *)e->value;
}

/* The bucket a (user key, bucket) entry is for. */
static uint64_t bucket_of(const struct map_layout *l, const uint8_t *key)
{
	uint64_t b;
	if (map_layout_is_array(l)) {
		uint32_t idx;
		memcpy(&idx, key, 4);
		return idx;
	}
	memcpy(&b, key + l->key_size - 8, 8);
	return b;
}

/* CLOCK_TAI - CLOCK_REALTIME: tseries intervals are TAI times. */
static int64_t tai_offset(void)
{
	struct timespec tai, real;
	if (clock_gettime(CLOCK_TAI, &tai) || clock_gettime(CLOCK_REALTIME, &real))
		return 0;
	int64_t d = (int64_t)(tai.tv_sec - real.tv_sec) * 1000000000 + (tai.tv_nsec - real.tv_nsec);
	/* the offset is whole seconds (37 s or 0); round away the read delay */
	return (d >= 0 ? d + 500000000 : d - 500000000) / 1000000000 * 1000000000;
}

/* What taking one entry into a snapshot needs. */
struct snapshot_read {
	struct map_snapshot *s;
	const struct sema_map *m;
	int vcpus;
	bool array;	/* its slots exist from the start: a zero one was never written */
	uint32_t ukey_size;
};

/* One entry (its key, its value on each CPU) into the snapshot: 0, or
 * -ENOMEM. */
static int take_entry(struct snapshot_read *r, const uint8_t *key, const uint8_t *vals)
{
	struct map_snapshot *s = r->s;
	const struct sema_map *m = r->m;
	const struct map_layout *l = &m->layout;
	int vcpus = r->vcpus;
	bool array = r->array;
	bool buckets = l->nbuckets > 0;
	if (buckets && m->value->agg == AGG_TSERIES) {
		struct tseries_point p = tseries_merge(m->value, vals, vcpus, l->value_size);
		if (!p.epoch && array)
			return 0;
		uint64_t b = bucket_of(l, key);
		struct tseries_point *arr = buckets_for(s, key, r->ukey_size, l->nbuckets,
							sizeof(*arr));
		if (arr && b < l->nbuckets)
			arr[b] = p;
		return 0;
	}
	if (buckets) {	/* hist, lhist: { count, sum } per bucket */
		uint64_t count = sum_u64(vals, vcpus, l->value_size, 0);
		if (!count && array)
			return 0;
		uint64_t b = bucket_of(l, key);
		uint64_t *arr = buckets_for(s, key, r->ukey_size, l->nbuckets + 1, 8);
		if (arr && b < l->nbuckets) {
			arr[b] += count;
			arr[l->nbuckets] += sum_u64(vals, vcpus, l->value_size, 8);
		}
		return 0;
	}
	uint8_t merged[64];
	const uint8_t *value = vals;
	size_t value_len = l->value_size;
	if (l->percpu) {
		if (!merge(m->value, l, vals, vcpus, merged) && array)
			return 0;
		if (array && m->value->agg == AGG_COUNT && m->key) {
			int64_t c;
			memcpy(&c, merged, 8);
			if (!c)
				return 0;
		}
		value = merged;
		value_len = m->value->agg == AGG_AVG || m->value->agg == AGG_STATS ? 16 : 8;
	}
	struct map_entry *e = entry_add(s);
	if (!e)
		return -ENOMEM;
	e->key = m->key ? dup(key, l->key_size) : NULL;
	e->value = dup(value, value_len);
	return 0;
}

/* Keys 0..n-1 of an array, for the batch calls. */
static uint32_t *array_keys(uint32_t n)
{
	uint32_t *keys = malloc((size_t)n * sizeof(*keys));
	for (uint32_t i = 0; keys && i < n; i++)
		keys[i] = i;
	return keys;
}

/* Every value of an array of N entries of SIZE bytes into ALL, in one
 * bpf() call where the kernel has batches (5.6), else one per entry. */
static void read_array(int fd, uint32_t n, uint32_t size, uint8_t *all)
{
	uint32_t *keys = array_keys(n), count = n, out;
	bool whole = false;
	if (keys) {
		int err = bpf_map_lookup_batch(fd, NULL, &out, keys, all, &count, NULL);
		whole = (!err || err == -ENOENT) && count == n;
		for (uint32_t i = 0; whole && i < n; i++)
			whole = keys[i] == i;
	}
	for (uint32_t i = 0; !whole && i < n; i++)
		if (bpf_map_lookup_elem(fd, &i, all + (size_t)i * size))
			memset(all + (size_t)i * size, 0, size);
	free(keys);
}

/* An array with a region per CPU (map_layout.cpu_entries): slot k's value
 * on CPU c is entry c * cpu_entries + k; read at once, and gathered slot
 * by slot as a per-CPU map's values. */
static int read_cpu_regions(struct snapshot_read *r, int fd, uint8_t *vals)
{
	const struct map_layout *l = &r->m->layout;
	uint32_t slots = l->nbuckets ? l->nbuckets : 1, size = stride(l->value_size);
	uint32_t n = l->cpu_entries * (uint32_t)r->vcpus;
	uint8_t *all = malloc((size_t)n * size);
	if (!all)
		return -ENOMEM;
	read_array(fd, n, size, all);
	int rc = 0;
	for (uint32_t k = 0; k < slots && !rc; k++) {
		for (int c = 0; c < r->vcpus; c++)
			memcpy(vals + (size_t)c * size,
			       all + ((size_t)c * l->cpu_entries + k) * size, size);
		rc = take_entry(r, (const uint8_t *)&k, vals);
	}
	free(all);
	return rc;
}

int map_snapshot_read(struct map_snapshot *s, const struct sema_map *m, int fd, int ncpus,
		      bool keep_zero)
{
	memset(s, 0, sizeof(*s));
	s->view.name = m->name;
	s->view.key = m->key;
	s->view.value = m->value;
	if (m->value->kind == TY_AGG && m->value->agg == AGG_TSERIES)
		s->view.tai_offset = tai_offset();
	const struct map_layout *l = &m->layout;
	int vcpus = l->percpu ? ncpus : 1;
	size_t vbytes = (size_t)stride(l->value_size) * (size_t)vcpus;
	uint8_t *key = calloc(1, l->key_size), *next = calloc(1, l->key_size);
	uint8_t *vals = calloc(1, vbytes);
	int rc = 0;
	if (!key || !next || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	/* A hash entry exists once written, and prints even when zero()
	 * cleared its value, as in bpftrace. */
	struct snapshot_read r = {.s = s, .m = m, .vcpus = vcpus,
				  .array = map_layout_is_array(l) && !keep_zero,
				  .ukey_size = l->bucket_in_key ? l->key_size - 8 : 0};
	if (l->cpu_entries) {
		rc = read_cpu_regions(&r, fd, vals);
	} else {
		void *prev = NULL;
		while (!rc && bpf_map_get_next_key(fd, prev, next) == 0) {
			memcpy(key, next, l->key_size);
			prev = key;
			if (!bpf_map_lookup_elem(fd, key, vals))
				rc = take_entry(&r, key, vals);
		}
	}
	/* A count without a key always has a value, 0 before its first
	 * update and after delete() too, as in bpftrace (its count is an
	 * array slot there). */
	if (!rc && !m->key && s->n == 0 && m->value->kind == TY_AGG &&
	    m->value->agg == AGG_COUNT) {
		struct map_entry *e = entry_add(s);
		int64_t zero = 0;
		if (!e)
			rc = -ENOMEM;
		else
			*e = (struct map_entry){.key = NULL, .value = dup(&zero, 8)};
	}
out:
	free(key);
	free(next);
	free(vals);
	return rc;
}

void map_snapshot_free(struct map_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free((void *)s->view.entries[i].key);
		free((void *)s->view.entries[i].value);
	}
	free(s->view.entries);
	memset(s, 0, sizeof(*s));
}

int map_clear(const struct sema_map *m, int fd, int ncpus, bool zero)
{
	const struct map_layout *l = &m->layout;
	bool array = map_layout_is_array(l) || l->bpf_type == BPF_MAP_TYPE_ARRAY;
	int vcpus = l->percpu && !l->cpu_entries ? ncpus : 1;
	/* a region per CPU: zeros for every entry, written in one batch */
	uint32_t nzeros = l->cpu_entries ? l->cpu_entries * (uint32_t)ncpus : (uint32_t)vcpus;
	uint8_t *key = calloc(1, l->key_size), *next = calloc(1, l->key_size);
	uint8_t *zeros = calloc(nzeros, stride(l->value_size));
	int rc = 0;
	if (!key || !next || !zeros) {
		rc = -ENOMEM;
		goto out;
	}
	if (l->cpu_entries) {	/* every CPU's region, in one call where it can */
		uint32_t count = nzeros, *keys = array_keys(nzeros);
		bool done = keys && !bpf_map_update_batch(fd, keys, zeros, &count, NULL) &&
			    count == nzeros;
		free(keys);
		if (done)
			goto out;
	}
	if (array || zero) {
		void *prev = NULL;
		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			memcpy(key, next, l->key_size);
			prev = key;
			bpf_map_update_elem(fd, key, zeros, BPF_EXIST);
		}
		goto out;
	}
	/* The keys first, then the deletes: deleting while walking restarts the
	 * walk, and a probe that keeps adding keys (one on raw_syscalls sees
	 * these very bpf() calls) would keep that loop going forever.  Keys
	 * added meanwhile stay, as with bpftrace's clear(). */
	size_t cap = l->max_entries ? l->max_entries : 4096, n = 0;
	uint8_t *keys = malloc(cap * l->key_size);
	if (!keys) {
		rc = -ENOMEM;
		goto out;
	}
	void *prev = NULL;
	while (n < cap && bpf_map_get_next_key(fd, prev, keys + n * l->key_size) == 0) {
		prev = keys + n * l->key_size;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * l->key_size);
	free(keys);
out:
	free(key);
	free(next);
	free(zeros);
	return rc;
}
