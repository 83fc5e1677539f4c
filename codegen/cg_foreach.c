/* for ($kv : @m) { ... }: the body becomes a callback of
 * bpf_for_each_map_elem (kernel 5.13).  The callback gets the probe's
 * context, the probe index, an exit flag and the variables of the probe the
 * body uses through one struct of pointers on the caller's stack, so reads
 * and writes of those variables are the probe's own. */
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "codegen/codegen.h"

/* Slots of the struct passed to the callback, before the variables. */
enum { SLOT_CTX, SLOT_PROBE, SLOT_STOP, SLOT_VARS };

void cg_exit_probe(struct codegen *cg)
{
	if (!cg->cb_stop) {
		cg_return(cg);
		return;
	}
	/* in a loop's callback: stop the iteration, and the caller returns */
	LLVMBuildStore(cg->b, cg_const(cg, 1), cg->cb_stop);
	LLVMBuildRet(cg->b, cg_const(cg, 1));
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_exit"));
}

/* The value of an aggregation of one number over every CPU's slot:
 * count and sum add up, min and max take the extreme of the CPUs that
 * have one (bpf_map_lookup_percpu_elem, kernel 5.19). */
static LLVMValueRef percpu_value(struct codegen *cg, const struct sema_map *m, LLVMValueRef key)
{
	const struct type *v = m->value;
	LLVMValueRef acc = cg_alloca(cg, cg->i64, "acc"), have = cg_alloca(cg, cg->i64, "have");
	LLVMBuildStore(cg->b, cg_const(cg, 0), acc);
	LLVMBuildStore(cg->b, cg_const(cg, 0), have);
	int ncpus = libbpf_num_possible_cpus();
	struct cg_for f;
	cg_for_begin(cg, &f, (uint64_t)(ncpus > 0 ? ncpus : 1));
	LLVMValueRef cpu = LLVMBuildTrunc(cg->b, cg_for_index(cg, &f), cg->i32, "");
	LLVMValueRef args[] = {cg_map_global(cg, m), key, cpu};
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_percpu_elem, cg->ptr, args, 3);
	cg_if_nonnull(cg, p);
	LLVMValueRef x = cg_load_int(cg, p, 8, true);
	LLVMValueRef cur = LLVMBuildLoad2(cg->b, cg->i64, acc, "");
	if (v->agg == AGG_COUNT || v->agg == AGG_SUM) {
		LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, cur, x, ""), acc);
	} else {
		LLVMValueRef set = LLVMBuildICmp(cg->b, LLVMIntNE, cg_load_int(cg, cg_gep(cg, p, 8), 8, false),
						 cg_const(cg, 0), "");
		bool is_signed = v->agg_signed;
		LLVMIntPredicate better = v->agg == AGG_MIN ? (is_signed ? LLVMIntSLT : LLVMIntULT)
							    : (is_signed ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef first = LLVMBuildICmp(cg->b, LLVMIntEQ, LLVMBuildLoad2(cg->b, cg->i64, have, ""),
						   cg_const(cg, 0), "");
		LLVMValueRef take = LLVMBuildAnd(cg->b, set,
						 LLVMBuildOr(cg->b, first, LLVMBuildICmp(cg->b, better, x, cur, ""), ""), "");
		cg_if(cg, take);
		LLVMBuildStore(cg->b, x, acc);
		LLVMBuildStore(cg->b, cg_const(cg, 1), have);
		cg_end_if(cg);
	}
	cg_end_if(cg);
	cg_for_end(cg, &f);
	return LLVMBuildLoad2(cg->b, cg->i64, acc, "");
}

/* $kv = (key, value) in the callback's own memory. */
static void loop_variable(struct codegen *cg, struct ast_node *n, LLVMValueRef key, LLVMValueRef val)
{
	const struct sema_map *m = n->rhs->map;
	const struct type *kv = n->var->type;
	LLVMValueRef dst = cg_var_ref(cg, n->var);
	cg_memset(cg, dst, 0, kv->size);
	cg_memcpy(cg, dst, key, kv->fields[0]->size);
	LLVMValueRef vdst = cg_gep(cg, dst, kv->offsets[1]);
	if (m->value->kind == TY_AGG) {
		if (m->layout.percpu)
			cg_store_int(cg, percpu_value(cg, m, dst), vdst, 8);
		else
			cg_memcpy(cg, vdst, val, 8);
		return;
	}
	cg_memcpy(cg, vdst, val, kv->fields[1]->size);
}

struct cg_saved {
	LLVMValueRef fn, entry_fn, ctx_arg, probe_index, dst, cb_stop;
	LLVMBasicBlockRef entry, at;
	LLVMMetadataRef di_scope;
	struct cg_loop *loop;
	uint32_t dst_size;
};

static void save(struct codegen *cg, struct cg_saved *s)
{
	*s = (struct cg_saved){.fn = cg->fn, .ctx_arg = cg->ctx_arg, .probe_index = cg->probe_index,
			       .dst = cg->dst, .cb_stop = cg->cb_stop, .entry = cg->entry,
			       .at = LLVMGetInsertBlock(cg->b), .di_scope = cg->di_scope,
			       .loop = cg->loop, .dst_size = cg->dst_size};
}

static void restore(struct codegen *cg, const struct cg_saved *s)
{
	cg->fn = s->fn;
	cg->ctx_arg = s->ctx_arg;
	cg->probe_index = s->probe_index;
	cg->dst = s->dst;
	cg->dst_size = s->dst_size;
	cg->cb_stop = s->cb_stop;
	cg->entry = s->entry;
	cg->di_scope = s->di_scope;
	cg->loop = s->loop;
	LLVMPositionBuilderAtEnd(cg->b, s->at);
}

/* The callback: long cb(map, key, value, ctx) running the loop's body;
 * continue returns 0 (next element), break returns 1 (stop). */
static LLVMValueRef callback(struct codegen *cg, struct ast_node *n, const struct ast_for_captures *c)
{
	static int seq;
	char name[48];
	snprintf(name, sizeof(name), "sonde_for_%d_%d", cg->prog->index, seq++);
	LLVMValueRef fn = cg_subprog(cg, name, (unsigned)n->loc.line);
	LLVMMetadataRef sp = LLVMGetSubprogram(fn);

	cg->fn = fn;
	cg->di_scope = sp;
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry");
	LLVMBasicBlockRef body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg_set_loc(cg, n->loc);
	LLVMBuildBr(cg->b, body);
	LLVMPositionBuilderAtEnd(cg->b, body);

	LLVMValueRef ctx = LLVMGetParam(fn, 3);
	LLVMTypeRef slot_t = cg->ptr;
	LLVMValueRef slots[SLOT_VARS];
	for (int i = 0; i < SLOT_VARS; i++)
		slots[i] = LLVMBuildLoad2(cg->b, slot_t, cg_gep(cg, ctx, 8u * i), "");
	cg->ctx_arg = slots[SLOT_CTX];
	if (cg->probe_index)
		cg->probe_index = slots[SLOT_PROBE];
	cg->cb_stop = slots[SLOT_STOP];
	cg->dst = NULL;
	for (int i = 0; i < c->n; i++) {
		c->vars[i]->storage = LLVMBuildLoad2(cg->b, slot_t,
						     cg_gep(cg, ctx, 8u * (SLOT_VARS + i)), c->vars[i]->name);
		c->vars[i]->storage_fn = fn;
	}
	loop_variable(cg, n, LLVMGetParam(fn, 1), LLVMGetParam(fn, 2));

	LLVMBasicBlockRef next = cg_block(cg, "next"), stop = cg_block(cg, "stop");
	struct cg_loop frame = {next, stop, NULL};
	cg->loop = &frame;
	for (int i = 0; n->body && i < n->body->list.len; i++)
		cg_stmt(cg, n->body->list.items[i]);
	cg_set_loc(cg, n->loc);
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
		LLVMBuildBr(cg->b, next);
	LLVMPositionBuilderAtEnd(cg->b, next);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, stop);
	LLVMBuildRet(cg->b, cg_const(cg, 1));
	return fn;
}

void cg_for_map(struct codegen *cg, struct ast_node *n)
{
	const struct ast_for_captures *c = n->extra;
	int nslots = SLOT_VARS + c->n;
	LLVMValueRef block = cg_alloca(cg, LLVMArrayType2(cg->ptr, (uint64_t)nslots), "for_ctx");
	LLVMValueRef stop = cg->cb_stop;
	if (!stop) {
		stop = cg_alloca(cg, cg->i64, "for_stop");
		LLVMBuildStore(cg->b, cg_const(cg, 0), stop);
	}
	LLVMValueRef null = LLVMConstNull(cg->ptr);
	LLVMBuildStore(cg->b, cg->ctx_arg, cg_gep(cg, block, 8u * SLOT_CTX));
	LLVMBuildStore(cg->b, cg->probe_index ? cg->probe_index : null, cg_gep(cg, block, 8u * SLOT_PROBE));
	LLVMBuildStore(cg->b, stop, cg_gep(cg, block, 8u * SLOT_STOP));
	/* the variables' places in this function, restored after the callback */
	void *storage[c->n ? c->n : 1], *storage_fn[c->n ? c->n : 1];
	for (int i = 0; i < c->n; i++) {
		LLVMBuildStore(cg->b, cg_var_ref(cg, c->vars[i]), cg_gep(cg, block, 8u * (SLOT_VARS + i)));
		storage[i] = c->vars[i]->storage;
		storage_fn[i] = c->vars[i]->storage_fn;
	}

	struct cg_saved saved;
	save(cg, &saved);
	LLVMValueRef fn = callback(cg, n, c);
	restore(cg, &saved);
	for (int i = 0; i < c->n; i++) {
		c->vars[i]->storage = storage[i];
		c->vars[i]->storage_fn = storage_fn[i];
	}
	cg_set_loc(cg, n->loc);

	LLVMValueRef args[] = {cg_map_global(cg, n->rhs->map), fn, block, cg_const(cg, 0)};
	cg_helper(cg, BPF_FUNC_for_each_map_elem, cg->i64, args, 4);
	/* exit() in the body ends the probe here too */
	cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, LLVMBuildLoad2(cg->b, cg->i64, stop, ""),
				cg_const(cg, 0), ""));
	cg_exit_probe(cg);
	cg_end_if(cg);
}
