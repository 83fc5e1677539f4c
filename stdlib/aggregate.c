/* Aggregations: per-CPU state in a map, merged by the runtime when printed.
 * The state layouts are those of agg_value_size() (ast/types.c) and the
 * bucket numbering of runtime/map_print.h. */
#include <stdio.h>
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/aggregate.h"
#include "stdlib/entries.h"

/* ----------------------------------------------------------------- check */

bool agg_int_arg(struct sema *s, struct ast_node *call, int i, bool *is_signed)
{
	struct type *t = sema_check_expr(s, call->list.items[i]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return false;
	if (t->kind != TY_INT && t->kind != TY_BOOL) {
		sema_error(s, call->list.items[i]->loc, "%s() needs an integer, not %s", call->name,
			   type_name(sema_arena(s), t));
		return false;
	}
	if (is_signed)
		*is_signed = t->kind == TY_INT && t->is_signed;
	return true;
}

static struct type *agg_check(struct sema *s, struct ast_node *n, enum agg_kind agg)
{
	bool is_signed = false;
	if (n->list.len && !agg_int_arg(s, n, 0, &is_signed))
		return type_error(sema_arena(s));
	return type_agg(sema_arena(s), agg, is_signed);
}

static struct type *count_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_COUNT); }
static struct type *sum_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_SUM); }
static struct type *min_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_MIN); }
static struct type *max_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_MAX); }
static struct type *avg_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_AVG); }
static struct type *stats_check(struct sema *s, struct ast_node *n) { return agg_check(s, n, AGG_STATS); }

static struct type *hist_check(struct sema *s, struct ast_node *n)
{
	struct type *t = agg_check(s, n, AGG_HIST);
	if (t->kind == TY_ERROR)
		return t;
	if (n->list.len == 2) {
		int64_t bits;
		if (!sema_const_int(s, n->list.items[1], &bits) || bits < 0 || bits > 5) {
			sema_error(s, n->list.items[1]->loc,
				   "hist(): bits must be an integer constant from 0 to 5");
			return type_error(sema_arena(s));
		}
		t->hist_bits = (int)bits;
	}
	return t;
}

static struct type *lhist_check(struct sema *s, struct ast_node *n)
{
	struct type *t = agg_check(s, n, AGG_LHIST);
	if (t->kind == TY_ERROR)
		return t;
	static const char *const what[] = {"", "min", "max", "step"};
	int64_t v[4] = {0};
	for (int i = 1; i < 4; i++) {
		if (!sema_const_int(s, n->list.items[i], &v[i])) {
			sema_error(s, n->list.items[i]->loc, "lhist(): %s must be an integer constant",
				   what[i]);
			return type_error(sema_arena(s));
		}
	}
	if (v[1] < 0 || v[2] <= v[1] || v[3] <= 0) {
		sema_error(s, n->loc, "lhist(): needs 0 <= min < max and step > 0");
		return type_error(sema_arena(s));
	}
	if ((v[2] - v[1]) / v[3] > 1000) {
		sema_error(s, n->loc, "lhist(): (max - min) / step must be at most 1000 buckets");
		return type_error(sema_arena(s));
	}
	t->lhist_min = v[1];
	t->lhist_max = v[2];
	t->lhist_step = v[3];
	return t;
}

/* ------------------------------------------------------------------ emit */

/* void *sonde_agg_insert_N(void *map, void *key, long site): key inserted
 * with N zero bytes as this CPU's value of a per-CPU hash, and that value;
 * NULL when the map is full (counted at site, the caller's statement).
 * The insert path, compiled once per value size instead of at every
 * aggregation, is most of an aggregation's code; it runs only for a key's
 * first event on a CPU, and the lookup of every other event stays inline
 * (a call on that path measured +8 ns/event for @[pid] = count()).
 * BPF_ANY is right even when another CPU inserts the key between the
 * caller's lookup and this update: the map is per-CPU, and an update from
 * a program writes only this CPU's slot (the kernel's pcpu_copy_value),
 * which was zero, leaving the other CPUs' values alone.  Every aggregation
 * value is 24 bytes at most (agg_value_size): the zeros fit the stack. */

static void build_insert_fn(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	uint32_t size = *(const uint32_t *)arg;
	LLVMValueRef map = LLVMGetParam(fn, 0), key = LLVMGetParam(fn, 1);
	LLVMValueRef zeros = cg_alloca(cg, LLVMArrayType2(cg->i8, size), "zeros");
	LLVMBuildMemSet(cg->b, zeros, LLVMConstInt(cg->i8, 0, 0), cg_const(cg, size), 8);
	cg->site_param = LLVMGetParam(fn, 2);
	cg_map_update(cg, map, key, zeros, BPF_ANY);
	cg->site_param = NULL;
	LLVMBuildRet(cg->b, cg_map_lookup(cg, map, key));
}

/* This CPU's value of key: looked up, else inserted as zeros. */
static LLVMValueRef slot_of(struct codegen *cg, LLVMValueRef map, LLVMValueRef key, uint32_t size)
{
	LLVMValueRef found = cg_map_lookup(cg, map, key);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef insert = cg_block(cg, "insert"), join = cg_block(cg, "slot");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, found, ""), insert, join);
	LLVMPositionBuilderAtEnd(cg->b, insert);
	char name[32];
	snprintf(name, sizeof(name), "sonde_agg_insert_%u", size);
	static const char *const pnames[] = {"map", "key", "site"};
	LLVMValueRef fn = cg_shared_fn(cg, name, "pppl", pnames, build_insert_fn, &size);
	LLVMValueRef args[] = {map, key,
			       cg_const(cg, (uint64_t)cg_errors_site(cg, BPF_FUNC_map_update_elem, map))};
	LLVMValueRef inserted = cg_call_shared(cg, fn, args, 3);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	LLVMValueRef slot = LLVMBuildPhi(cg->b, cg->ptr, "slot");
	LLVMValueRef vals[] = {found, inserted};
	LLVMBasicBlockRef from[] = {here, insert};
	LLVMAddIncoming(slot, vals, from, 2);
	return slot;
}

void agg_update(struct codegen *cg, struct ast_node *target, LLVMValueRef bucket,
		agg_apply_fn fn, const LLVMValueRef *x)
{
	const struct sema_map *m = target->map;
	const struct map_layout *l = &m->layout;
	LLVMValueRef map = cg_map_global(cg, m);
	LLVMValueRef slot;
	if (map_layout_is_array(l)) {
		LLVMValueRef key = cg_alloca(cg, cg->i32, "idx");
		LLVMValueRef idx = bucket ? LLVMBuildTrunc(cg->b, bucket, cg->i32, "")
					  : LLVMConstInt(cg->i32, 0, 0);
		if (l->cpu_entries) {	/* this CPU's region (the lookup checks the bound) */
			LLVMValueRef cpu = cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i32, NULL, 0);
			LLVMValueRef base = LLVMBuildMul(cg->b, cpu,
							 LLVMConstInt(cg->i32, l->cpu_entries, 0), "");
			idx = LLVMBuildAdd(cg->b, base, idx, "slot");
		}
		LLVMBuildStore(cg->b, idx, key);
		slot = cg_map_lookup(cg, map, key);
	} else {
		LLVMValueRef key = cg_map_key(cg, target, l->bucket_in_key ? 8 : 0);
		if (l->bucket_in_key)
			LLVMBuildStore(cg->b, bucket, cg_gep(cg, key, l->key_size - 8));
		slot = slot_of(cg, map, key, l->value_size);
	}
	cg_if_nonnull(cg, slot);
	fn(cg, slot, x, m->value);
	cg_end_if(cg);
}

static void add_at(struct codegen *cg, LLVMValueRef slot, uint64_t off, LLVMValueRef x)
{
	LLVMValueRef p = cg_gep(cg, slot, off);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, p, "v");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, v, x, "add"), p);
}

static void apply_count(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
                        const struct type *t)
{
	add_at(cg, slot, 0, cg_const(cg, 1));
}

static void apply_sum(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
                      const struct type *t)
{
	add_at(cg, slot, 0, x[0]);
}

/* a sum in an array (map_layout.sum_written): { sum, written } */
static void apply_sum_written(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
			      const struct type *t)
{
	add_at(cg, slot, 0, x[0]);
	LLVMBuildStore(cg->b, cg_const(cg, 1), cg_gep(cg, slot, 8));
}

/* hist, lhist: the bucket's count and the sum of its values */
static void apply_hist(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
		       const struct type *t)
{
	add_at(cg, slot, 0, cg_const(cg, 1));
	add_at(cg, slot, 8, x[0]);
}

static void apply_avg(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
                      const struct type *t)
{
	add_at(cg, slot, 0, x[0]);
	add_at(cg, slot, 8, cg_const(cg, 1));
}

/* min and max: {value, is_set}; replaced when unset or beaten. */
static void apply_minmax(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *xs,
			 const struct type *t)
{
	LLVMValueRef x = xs[0];
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, slot, "v");
	LLVMValueRef setp = cg_gep(cg, slot, 8);
	LLVMValueRef set = LLVMBuildLoad2(cg->b, cg->i64, setp, "set");
	LLVMIntPredicate pred = t->agg == AGG_MIN ? (t->agg_signed ? LLVMIntSLT : LLVMIntULT)
						   : (t->agg_signed ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef better = LLVMBuildICmp(cg->b, pred, x, v, "better");
	LLVMValueRef unset = LLVMBuildICmp(cg->b, LLVMIntEQ, set, cg_const(cg, 0), "unset");
	cg_if(cg, LLVMBuildOr(cg->b, better, unset, "take"));
	LLVMBuildStore(cg->b, x, slot);
	LLVMBuildStore(cg->b, cg_const(cg, 1), setp);
	cg_end_if(cg);
}

static LLVMValueRef agg_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target,
			     agg_apply_fn fn)
{
	LLVMValueRef x = n->list.len ? cg_expr(cg, n->list.items[0]) : NULL;
	agg_update(cg, target, NULL, fn, &x);
	return NULL;
}

static LLVMValueRef count_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return agg_emit(cg, n, t, apply_count);
}

static LLVMValueRef sum_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return agg_emit(cg, n, t, t->map->layout.sum_written ? apply_sum_written : apply_sum);
}

static LLVMValueRef minmax_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return agg_emit(cg, n, t, apply_minmax);
}

static LLVMValueRef avg_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return agg_emit(cg, n, t, apply_avg);
}

/* log2 bucket: 0 for negative, 1 for zero, else 2 + floor(log2(x)),
 * without branches: ctlz is straight-line bit operations in BPF, in one
 * subprogram every program calls. */
static LLVMValueRef hist_bucket(struct codegen *cg, LLVMValueRef x, bool is_signed);

/* hist(x, bits): below 2n (n = 2^bits) one bucket per value, x + 1; above,
 * each power of two 2^p split in n: index ((p + 1 - bits) << bits |
 * the bits below the top one) + 1 (ast/types.h has the numbering). */
static LLVMValueRef hist_bits_bucket(struct codegen *cg, LLVMValueRef x, bool is_signed,
				     uint32_t bits)
{
	uint64_t n = 1ull << bits;
	/* x | 1: small values take the other branch */
	LLVMValueRef lz = cg_clz64(cg, LLVMBuildOr(cg->b, x, cg_const(cg, 1), ""));
	LLVMValueRef p = LLVMBuildSub(cg->b, cg_const(cg, 63), lz, "p");
	LLVMValueRef e = LLVMBuildSub(cg->b, LLVMBuildAdd(cg->b, p, cg_const(cg, 1), ""),
				      cg_const(cg, bits), "e");
	/* for x >= 2n, p > bits: the shift is in range */
	LLVMValueRef shift = LLVMBuildSub(cg->b, p, cg_const(cg, bits), "");
	LLVMValueRef sub = LLVMBuildAnd(cg->b, LLVMBuildLShr(cg->b, x, shift, ""),
					cg_const(cg, n - 1), "sub");
	LLVMValueRef j = LLVMBuildOr(cg->b, LLVMBuildShl(cg->b, e, cg_const(cg, bits), ""), sub, "");
	LLVMValueRef big = LLVMBuildAdd(cg->b, j, cg_const(cg, 1), "");
	LLVMValueRef small = LLVMBuildAdd(cg->b, x, cg_const(cg, 1), "");
	LLVMValueRef is_small = LLVMBuildICmp(cg->b, LLVMIntULT, x, cg_const(cg, 2 * n), "");
	LLVMValueRef b = LLVMBuildSelect(cg->b, is_small, small, big, "b");
	if (is_signed) {
		LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, x, cg_const(cg, 0), "neg");
		b = LLVMBuildSelect(cg->b, neg, cg_const(cg, 0), b, "b");
	}
	return b;
}

static void build_hist_bucket(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	bool is_signed = *(const bool *)arg;
	LLVMValueRef x = LLVMGetParam(fn, 0);
	LLVMValueRef b = LLVMBuildSub(cg->b, cg_const(cg, 65), cg_ctlz(cg, x), "log2");
	LLVMValueRef zero = LLVMBuildICmp(cg->b, LLVMIntEQ, x, cg_const(cg, 0), "zero");
	b = LLVMBuildSelect(cg->b, zero, cg_const(cg, 1), b, "b");
	if (is_signed) {
		LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, x, cg_const(cg, 0), "neg");
		b = LLVMBuildSelect(cg->b, neg, cg_const(cg, 0), b, "b");
	}
	LLVMBuildRet(cg->b, b);
}

/* The bucket, by a shared subprogram (signed and unsigned): its selects
 * are branches in BPF, which the back end is slow to compile per program. */
static LLVMValueRef hist_bucket(struct codegen *cg, LLVMValueRef x, bool is_signed)
{
	static const char *const pnames[] = {"x"};
	LLVMValueRef fn = cg_shared_fn(cg, is_signed ? "sonde_hist_bucket_s" : "sonde_hist_bucket_u",
				       "ll", pnames, build_hist_bucket, &is_signed);
	return cg_call_shared(cg, fn, &x, 1);
}

static LLVMValueRef lhist_bucket(struct codegen *cg, LLVMValueRef x, const struct type *t)
{
	uint64_t n = (uint64_t)((t->lhist_max - t->lhist_min) / t->lhist_step);
	LLVMValueRef min = cg_const(cg, (uint64_t)t->lhist_min);
	LLVMValueRef max = cg_const(cg, (uint64_t)t->lhist_max);
	LLVMValueRef off = LLVMBuildSub(cg->b, x, min, "off");
	LLVMValueRef idx = LLVMBuildUDiv(cg->b, off, cg_const(cg, (uint64_t)t->lhist_step), "idx");
	idx = LLVMBuildAdd(cg->b, idx, cg_const(cg, 1), "b");
	LLVMIntPredicate lt = t->agg_signed ? LLVMIntSLT : LLVMIntULT;
	LLVMIntPredicate ge = t->agg_signed ? LLVMIntSGE : LLVMIntUGE;
	LLVMValueRef below = LLVMBuildICmp(cg->b, lt, x, min, "below");
	LLVMValueRef above = LLVMBuildICmp(cg->b, ge, x, max, "above");
	idx = LLVMBuildSelect(cg->b, above, cg_const(cg, n + 1), idx, "b");
	return LLVMBuildSelect(cg->b, below, cg_const(cg, 0), idx, "b");
}

static LLVMValueRef hist_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	const struct type *t = target->map->value;
	LLVMValueRef x = cg_expr(cg, n->list.items[0]);
	LLVMValueRef b = t->agg != AGG_HIST ? lhist_bucket(cg, x, t)
			 : t->hist_bits ? hist_bits_bucket(cg, x, t->agg_signed, (uint32_t)t->hist_bits)
					: hist_bucket(cg, x, t->agg_signed);
	agg_update(cg, target, b, apply_hist, &x);
	return NULL;
}

#define AGG(id, nm, lo, hi, chk, em) \
	const struct stdlib_fn id = {.name = nm, .kind = SL_AGG, .min_args = lo, \
				     .max_args = hi, .check = chk, .emit = em}

AGG(sl_count, "count", 0, 0, count_check, count_emit);
AGG(sl_sum, "sum", 1, 1, sum_check, sum_emit);
AGG(sl_min, "min", 1, 1, min_check, minmax_emit);
AGG(sl_max, "max", 1, 1, max_check, minmax_emit);
AGG(sl_avg, "avg", 1, 1, avg_check, avg_emit);
AGG(sl_stats, "stats", 1, 1, stats_check, avg_emit);
AGG(sl_hist, "hist", 1, 2, hist_check, hist_emit);
AGG(sl_lhist, "lhist", 4, 4, lhist_check, hist_emit);
