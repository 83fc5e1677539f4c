/* The type system: constructors, equality, compatibility and names. */
#include <stdlib.h>
#include <string.h>

#include "ast/types.h"

struct type *type_new(struct arena *a, enum type_kind kind)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = kind;
	t->align = 1;
	return t;
}

struct type *type_int(struct arena *a, uint32_t size, bool is_signed)
{
	struct type *t = type_new(a, TY_INT);
	t->size = size;
	t->align = size ? size : 1;
	t->is_signed = is_signed;
	return t;
}

struct type *type_bool(struct arena *a)
{
	struct type *t = type_new(a, TY_BOOL);
	t->size = 1;
	return t;
}

struct type *type_void(struct arena *a)
{
	return type_new(a, TY_VOID);
}

struct type *type_error(struct arena *a)
{
	return type_new(a, TY_ERROR);
}

struct type *type_string(struct arena *a, uint32_t size)
{
	struct type *t = type_new(a, TY_STRING);
	t->size = size;
	return t;
}

struct type *type_ptr(struct arena *a, struct type *elem)
{
	struct type *t = type_new(a, TY_PTR);
	t->size = 8;
	t->align = 8;
	t->elem = elem;
	return t;
}

struct type *type_agg(struct arena *a, enum agg_kind agg, bool is_signed)
{
	struct type *t = type_new(a, TY_AGG);
	t->agg = agg;
	t->agg_signed = is_signed;
	t->size = agg_value_size(agg);
	t->align = 8;
	return t;
}

struct type *type_special(struct arena *a, enum special_kind sp, uint32_t size)
{
	struct type *t = type_new(a, TY_SPECIAL);
	t->special = sp;
	t->size = size;
	t->align = 8;
	return t;
}

struct type *type_tuple(struct arena *a, struct type **fields, int n)
{
	struct type *t = type_new(a, TY_TUPLE);
	uint32_t off = 0, align = 1;

	t->nfields = n;
	t->fields = arena_alloc(a, sizeof(*t->fields) * (n ? n : 1));
	t->offsets = arena_alloc(a, sizeof(*t->offsets) * (n ? n : 1));
	for (int i = 0; i < n; i++) {
		struct type *f = fields[i];
		uint32_t fa = f && f->align ? f->align : 1;

		off = (off + fa - 1) / fa * fa;
		t->fields[i] = f;
		t->offsets[i] = off;
		off += f ? f->size : 0;
		if (fa > align)
			align = fa;
	}
	t->align = align;
	t->size = (off + align - 1) / align * align;
	return t;
}

bool type_equal(const struct type *x, const struct type *y)
{
	if (x == y)
		return true;
	if (!x || !y || x->kind != y->kind)
		return false;
	switch (x->kind) {
	case TY_INT:
		return x->size == y->size && x->is_signed == y->is_signed;
	case TY_STRING:
		return x->size == y->size;
	case TY_TUPLE:
		if (x->nfields != y->nfields)
			return false;
		for (int i = 0; i < x->nfields; i++)
			if (!type_equal(x->fields[i], y->fields[i]))
				return false;
		return true;
	case TY_PTR:
		return type_equal(x->elem, y->elem);
	case TY_RECORD:
		return x->name && y->name ? !strcmp(x->name, y->name) : x->name == y->name;
	case TY_ARRAY:
		return x->count == y->count && type_equal(x->elem, y->elem);
	case TY_SPECIAL:
		return x->special == y->special && x->size == y->size && x->sp_mode == y->sp_mode &&
		       x->sp_limit == y->sp_limit && (x->name == y->name ||
		       (x->name && y->name && !strcmp(x->name, y->name)));
	case TY_AGG:
		if (x->agg != y->agg || x->agg_signed != y->agg_signed)
			return false;
		if (x->agg == AGG_LHIST)
			return x->lhist_min == y->lhist_min && x->lhist_max == y->lhist_max &&
			       x->lhist_step == y->lhist_step;
		if (x->agg == AGG_HIST)
			return x->hist_bits == y->hist_bits;
		if (x->agg == AGG_TSERIES)
			return x->ts_interval == y->ts_interval && x->ts_count == y->ts_count &&
			       x->ts_fn == y->ts_fn;
		return true;
	default:
		return true;
	}
}

static bool is_void_ptr_target(const struct type *t)
{
	return !t || t->kind == TY_VOID || t->kind == TY_NONE;
}

bool type_compatible(const struct type *x, const struct type *y)
{
	if (x == y)
		return true;
	if (!x || !y)
		return false;
	/* An error was already reported; do not pile up follow-up errors. */
	if (x->kind == TY_ERROR || y->kind == TY_ERROR || x->kind == TY_NONE ||
	    y->kind == TY_NONE)
		return true;
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case TY_INT:
	case TY_STRING:
	case TY_BOOL:
	case TY_VOID:
	case TY_PROBE:
		return true;
	case TY_TUPLE:
		if (x->nfields != y->nfields)
			return false;
		for (int i = 0; i < x->nfields; i++)
			if (!type_compatible(x->fields[i], y->fields[i]))
				return false;
		return true;
	case TY_PTR:
		return is_void_ptr_target(x->elem) || is_void_ptr_target(y->elem) ||
		       type_equal(x->elem, y->elem);
	case TY_ARRAY:
		return x->count == y->count && type_compatible(x->elem, y->elem);
	case TY_AGG:
		/* Signed and unsigned inputs mix; the shape of the buckets may not. */
		if (x->agg != y->agg)
			return false;
		if (x->agg == AGG_LHIST)
			return x->lhist_min == y->lhist_min && x->lhist_max == y->lhist_max &&
			       x->lhist_step == y->lhist_step;
		if (x->agg == AGG_HIST)
			return x->hist_bits == y->hist_bits;
		if (x->agg == AGG_TSERIES)
			return x->ts_interval == y->ts_interval && x->ts_count == y->ts_count &&
			       x->ts_fn == y->ts_fn;
		return true;
	case TY_RECORD:
		return type_equal(x, y);
	case TY_SPECIAL:
		/* buffers of different lengths mix, like strings */
		return x->special == y->special &&
		       (x->special == SP_BUF || type_equal(x, y));
	default:
		return false;
	}
}

static const char *special_name(const struct type *t)
{
	switch (t->special) {
	case SP_USERNAME: return "username";
	case SP_FUNC: return "func";
	case SP_KSYM: return "ksym_t";
	case SP_USYM: return "usym_t";
	case SP_KSTACK: return "kstack";
	case SP_USTACK: return "ustack";
	case SP_BUF: return "buffer";
	case SP_INET: return "inet";
	case SP_MACADDR: return "macaddr_t";
	case SP_TIMESTAMP: return "timestamp";
	case SP_CGROUP_PATH: return "cgroup_path_t";
	case SP_NONE: break;
	}
	return "special";
}

const char *agg_name(enum agg_kind agg)
{
	switch (agg) {
	case AGG_COUNT: return "count";
	case AGG_SUM: return "sum";
	case AGG_MIN: return "min";
	case AGG_MAX: return "max";
	case AGG_AVG: return "avg";
	case AGG_STATS: return "stats";
	case AGG_HIST: return "hist";
	case AGG_LHIST: return "lhist";
	case AGG_TSERIES: return "tseries";
	case AGG_NONE: break;
	}
	return "none";
}

const char *tseries_fn_name(enum tseries_fn fn)
{
	switch (fn) {
	case TS_AVG: return "avg";
	case TS_MIN: return "min";
	case TS_MAX: return "max";
	case TS_SUM: return "sum";
	case TS_LAST: break;
	}
	return "";
}

uint32_t agg_value_size(enum agg_kind agg)
{
	switch (agg) {
	case AGG_COUNT:
	case AGG_SUM:	/* in an array, { int64 sum; uint64 written }: see map_layout */
		return 8;
	case AGG_MIN:	/* { int64 value; uint64 is_set; } */
	case AGG_MAX:
	case AGG_AVG:	/* { int64 total; uint64 count; } */
	case AGG_STATS:
		return 16;
	case AGG_HIST:	/* { uint64 count; int64 sum; } per bucket; buckets are */
	case AGG_LHIST:	/* separate entries; the sums make Prometheus' _sum */
		return 16;
	case AGG_TSERIES:	/* { int64 value; uint64 meta; uint64 interval number; } */
		return 24;
	case AGG_NONE:
		break;
	}
	return 0;
}

void type_print(FILE *out, const struct type *t)
{
	if (!t) {
		fputs("none", out);
		return;
	}
	switch (t->kind) {
	case TY_NONE:
		fputs("none", out);
		break;
	case TY_VOID:
		fputs("void", out);
		break;
	case TY_ERROR:
		fputs("error", out);
		break;
	case TY_INT:
		fprintf(out, "%sint%u", t->is_signed ? "" : "u", t->size * 8);
		break;
	case TY_BOOL:
		fputs("bool", out);
		break;
	case TY_STRING:
		fprintf(out, "string[%u]", t->size);
		break;
	case TY_TUPLE:
		fputc('(', out);
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				fputs(", ", out);
			type_print(out, t->fields[i]);
		}
		fputc(')', out);
		break;
	case TY_PTR:
		if (t->elem)
			type_print(out, t->elem);
		else
			fputs("void", out);
		fputs(" *", out);
		break;
	case TY_RECORD:
		fputs(t->name ? t->name : "struct", out);
		break;
	case TY_ARRAY:
		type_print(out, t->elem);
		fprintf(out, "[%u]", t->count);
		break;
	case TY_AGG:
		fputs(agg_name(t->agg), out);
		/* the parameters, so two tseries that differ say how */
		if (t->agg == AGG_TSERIES)
			fprintf(out, "(%llu ns, %u%s%s)", (unsigned long long)t->ts_interval,
				t->ts_count, t->ts_fn == TS_LAST ? "" : ", ", tseries_fn_name(t->ts_fn));
		break;
	case TY_PROBE:
		fputs("probe", out);
		break;
	case TY_SPECIAL:
		fputs(special_name(t), out);
		break;
	}
}

const char *type_name(struct arena *a, const struct type *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "?";
	type_print(f, t);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return "?";
	}
	const char *s = arena_strndup(a, buf, len);
	free(buf);
	return s;
}

/* Buckets per key of hist and lhist (numbering in runtime/map_print.h). */
uint32_t hist_bucket_count(const struct type *agg)
{
	uint32_t bits = agg && agg->hist_bits > 0 ? (uint32_t)agg->hist_bits : 0;

	if (bits > 16)
		bits = 16;

	/* Index 0 holds negatives; the last bucket ends at 2^64. */
	return ((65 - bits) << bits) + 1;
}

uint32_t lhist_bucket_count(const struct type *agg)
{
	if (!agg || agg->lhist_step <= 0 || agg->lhist_max < agg->lhist_min)
		return 2;
	return (uint32_t)((agg->lhist_max - agg->lhist_min) / agg->lhist_step) + 2;
}

uint32_t agg_bucket_count(const struct type *agg)
{
	if (!agg || agg->kind != TY_AGG)
		return 0;
	switch (agg->agg) {
	case AGG_HIST: return hist_bucket_count(agg);
	case AGG_LHIST: return lhist_bucket_count(agg);
	case AGG_TSERIES: return agg->ts_count;
	default: return 0;
	}
}
