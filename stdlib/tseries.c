/* tseries(value, interval, count[, "avg"|"min"|"max"|"sum"]): a value per
 * interval of time, the last count intervals kept (bpftrace's tseries, as
 * its docs/stdlib.md and src/util/tseries.cpp describe it).
 *
 * Each key has count per-CPU slots, slot = interval number % count, where
 * the interval number is the TAI clock (bpf_ktime_get_tai_ns) divided by
 * the interval.  A slot is { int64 value; uint64 meta; uint64 interval
 * number; }: a slot holding an older interval starts over; meta is the
 * write time for the last-value form (the newest CPU wins when merged) and
 * the number of values for "avg".  runtime/map_read.c merges the CPUs,
 * runtime/map_tseries.c prints the chart. */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/aggregate.h"
#include "stdlib/entries.h"

/* bpftrace's limit: at most a million intervals per key */
#define TSERIES_MAX_INTERVALS 1000000

static const struct {
	const char *name;
	enum tseries_fn fn;
} tseries_fns[] = {
	{"avg", TS_AVG}, {"max", TS_MAX}, {"min", TS_MIN}, {"sum", TS_SUM},
};

static bool const_arg(struct sema *s, struct ast_node *n, int i, const char *what, int64_t max,
		      int64_t *out)
{
	struct ast_node *arg = n->list.items[i];
	if (!sema_const_int(s, arg, out)) {
		sema_error(s, arg->loc, "tseries(): %s must be an integer constant%s", what,
			   i == 1 ? ", e.g. 100ms or 1s" : "");
		return false;
	}
	if (*out < 1) {
		sema_error(s, arg->loc, "tseries(): %s must be >= 1 (%lld provided)", what,
			   (long long)*out);
		return false;
	}
	if (max && *out > max) {
		sema_error(s, arg->loc, "tseries(): %s must be at most %lld (%lld provided)", what,
			   (long long)max, (long long)*out);
		return false;
	}
	return true;
}

static bool fn_arg(struct sema *s, struct ast_node *arg, enum tseries_fn *fn)
{
	if (arg->kind == AST_STR)
		for (size_t i = 0; i < sizeof(tseries_fns) / sizeof(tseries_fns[0]); i++)
			if (!strcmp(arg->str, tseries_fns[i].name)) {
				*fn = tseries_fns[i].fn;
				return true;
			}
	if (arg->kind != AST_STR) {
		sema_check_expr(s, arg);
		sema_error(s, arg->loc, "tseries(): the aggregation function must be a string literal: "
			   "\"avg\", \"max\", \"min\" or \"sum\"");
	} else {
		sema_error(s, arg->loc, "tseries() expects one of the following aggregation functions: "
			   "avg, max, min, sum (\"%s\" provided)", arg->str);
	}
	return false;
}

static struct type *tseries_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	bool is_signed = false;
	int64_t interval, count;
	enum tseries_fn fn = TS_LAST;
	if (!agg_int_arg(s, n, 0, &is_signed) ||
	    !const_arg(s, n, 1, "interval_ns", 0, &interval) ||
	    !const_arg(s, n, 2, "num_intervals", TSERIES_MAX_INTERVALS, &count) ||
	    (n->list.len == 4 && !fn_arg(s, n->list.items[3], &fn)))
		return type_error(a);
	struct type *t = type_agg(a, AGG_TSERIES, is_signed);
	t->ts_interval = (uint64_t)interval;
	t->ts_count = (uint32_t)count;
	t->ts_fn = fn;
	return t;
}

static void store_at(struct codegen *cg, LLVMValueRef slot, uint64_t off, LLVMValueRef v)
{
	LLVMBuildStore(cg->b, v, cg_gep(cg, slot, off));
}

static LLVMValueRef load_at(struct codegen *cg, LLVMValueRef slot, uint64_t off)
{
	return LLVMBuildLoad2(cg->b, cg->i64, cg_gep(cg, slot, off), "");
}

/* x: the value, the interval number, the time now. */
static void apply_tseries(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
			  const struct type *t)
{
	LLVMValueRef v = x[0], epoch = x[1], now = x[2];
	LLVMValueRef older = LLVMBuildICmp(cg->b, LLVMIntNE, load_at(cg, slot, 16), epoch, "older");
	cg_if(cg, older);
	store_at(cg, slot, 0, v);
	store_at(cg, slot, 8, t->ts_fn == TS_AVG ? cg_const(cg, 1) : now);
	store_at(cg, slot, 16, epoch);
	cg_else(cg);
	switch (t->ts_fn) {
	case TS_LAST:
		store_at(cg, slot, 0, v);
		store_at(cg, slot, 8, now);
		break;
	case TS_AVG:	/* the total and the number of values */
	case TS_SUM:
		store_at(cg, slot, 0, LLVMBuildAdd(cg->b, load_at(cg, slot, 0), v, ""));
		if (t->ts_fn == TS_AVG)
			store_at(cg, slot, 8, LLVMBuildAdd(cg->b, load_at(cg, slot, 8),
							   cg_const(cg, 1), ""));
		break;
	case TS_MIN:
	case TS_MAX: {
		LLVMIntPredicate p = t->ts_fn == TS_MIN ? (t->agg_signed ? LLVMIntSLT : LLVMIntULT)
							: (t->agg_signed ? LLVMIntSGT : LLVMIntUGT);
		cg_if(cg, LLVMBuildICmp(cg->b, p, v, load_at(cg, slot, 0), "better"));
		store_at(cg, slot, 0, v);
		cg_end_if(cg);
		break;
	}
	}
	cg_end_if(cg);
}

static LLVMValueRef tseries_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	const struct type *t = target->map->value;
	LLVMValueRef x[3];
	x[0] = cg_expr(cg, n->list.items[0]);
	x[2] = cg_helper(cg, BPF_FUNC_ktime_get_tai_ns, cg->i64, NULL, 0);
	x[1] = LLVMBuildUDiv(cg->b, x[2], cg_const(cg, t->ts_interval), "epoch");
	LLVMValueRef slot = LLVMBuildURem(cg->b, x[1], cg_const(cg, t->ts_count), "slot");
	agg_update(cg, target, slot, apply_tseries, x);
	return NULL;
}

const struct stdlib_fn sl_tseries = {.name = "tseries", .kind = SL_AGG, .min_args = 3,
				     .max_args = 4, .check = tseries_check, .emit = tseries_emit};
