/* Questions about maps asked in the kernel: has_key(@m, key) looks the key
 * up; len(@m) counts the elements with bpf_for_each_map_elem (kernel 5.13)
 * and a small callback function. */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

/* The map argument: a map named without a key. */
static struct sema_map *map_arg(struct sema *s, struct ast_node *n, bool keyed)
{
	struct ast_node *m = n->list.items[0];
	if (m->kind != AST_MAP || m->list.len) {
		if (m->kind != AST_MAP)
			sema_check_expr(s, m);
		sema_error(s, m->loc, "%s() needs a map without a key, e.g. %s(@x%s)", n->name, n->name,
			   keyed ? ", key" : "");
		return NULL;
	}
	struct sema_map *map = sema_map_get(s, m);
	if (agg_bucket_count(map->value) > 0) {	/* hist, lhist, tseries */
		sema_error(s, n->loc, "%s() on a %s map is not supported yet", n->name,
			   map->value->agg == AGG_TSERIES ? "tseries" : "hist or lhist");
		return NULL;
	}
	return map;
}

/* ---------------------------------------------------------------- has_key */

static struct type *has_key_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct sema_map *map = map_arg(s, n, true);
	if (!map)
		return type_error(a);
	/* @m[key], looked up: a map expression of its own, made once */
	struct ast_node *lookup = n->extra;
	if (!lookup) {
		struct ast_node *m = n->list.items[0];
		lookup = ast_new(a, AST_MAP, n->list.items[1]->loc);
		lookup->name = m->name;
		ast_list_push(a, &lookup->list, n->list.items[1]);
		n->extra = lookup;
	}
	struct type *t = sema_check_map_keys(s, lookup);
	if (!t || t->kind == TY_ERROR)
		return type_error(a);
	return type_bool(a);
}

static LLVMValueRef has_key_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *lookup = n->extra;
	LLVMValueRef key = cg_map_key(cg, lookup, 0);
	LLVMValueRef v = cg_map_lookup(cg, cg_map_global(cg, lookup->map), key);
	return LLVMBuildZExt(cg->b, LLVMBuildIsNotNull(cg->b, v, ""), cg->i64, "has_key");
}

const struct stdlib_fn sl_has_key = {
	.name = "has_key", .kind = SL_FUNC, .min_args = 2, .max_args = 2,
	.check = has_key_check, .emit = has_key_emit,
};

/* -------------------------------------------------------------------- len */

static struct type *len_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct sema_map *map = map_arg(s, n, false);
	if (!map)
		return type_error(a);
	/* as bpftrace: a map without keys holds one value, not elements (the
	 * key and value types stay from one pass to the next, so a use later
	 * in the script counts too) */
	if (!map->key && map->value && map->value->kind != TY_NONE) {
		sema_error(s, n->list.items[0]->loc, "len() needs a map with keys; %s has none",
			   map->name);
		return type_error(a);
	}
	return type_int(a, 8, true);
}

/* long count(void *map, void *key, void *value, long *ctx) { ++*ctx; return 0; } */
static LLVMValueRef count_callback(struct codegen *cg)
{
	static const char name[] = "sonde_count_elem";
	LLVMValueRef fn = LLVMGetNamedFunction(cg->u.mod, name);
	if (fn)
		return fn;
	fn = cg_subprog(cg, name, 1);
	LLVMMetadataRef sp = LLVMGetSubprogram(fn);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(cg->ctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"));
	LLVMSetCurrentDebugLocation2(b, LLVMDIBuilderCreateDebugLocation(cg->ctx, 1, 1, sp, NULL));
	LLVMValueRef ctx = LLVMGetParam(fn, 3);
	LLVMValueRef v = LLVMBuildLoad2(b, cg->i64, ctx, "");
	LLVMBuildStore(b, LLVMBuildAdd(b, v, LLVMConstInt(cg->i64, 1, 0), ""), ctx);
	LLVMBuildRet(b, LLVMConstInt(cg->i64, 0, 0));
	LLVMDisposeBuilder(b);
	return fn;
}

static LLVMValueRef len_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *m = n->list.items[0];
	LLVMValueRef count = cg_alloca(cg, cg->i64, "len");
	LLVMBuildStore(cg->b, cg_const(cg, 0), count);
	LLVMValueRef args[] = {cg_map_global(cg, m->map), count_callback(cg), count, cg_const(cg, 0)};
	cg_helper(cg, BPF_FUNC_for_each_map_elem, cg->i64, args, 4);
	return LLVMBuildLoad2(cg->b, cg->i64, count, "");
}

const struct stdlib_fn sl_len = {
	.name = "len", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = len_check, .emit = len_emit,
};
