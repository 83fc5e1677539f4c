/* Small IR-building helpers shared by codegen and the stdlib entries. */
#include <string.h>

#include "codegen/btf_maps.h"
#include "codegen/codegen.h"

LLVMValueRef cg_const(struct codegen *cg, uint64_t v)
{
	return LLVMConstInt(cg->i64, v, 0);
}

LLVMBasicBlockRef cg_block(struct codegen *cg, const char *name)
{
	return LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name);
}

/* Every alloca goes to the entry block: the BPF back end rejects dynamic
 * stack allocation. */
LLVMValueRef cg_alloca(struct codegen *cg, LLVMTypeRef t, const char *name)
{
	LLVMBuilderRef b = LLVMCreateBuilderInContext(cg->ctx);
	LLVMValueRef term = LLVMGetBasicBlockTerminator(cg->entry);
	if (term)
		LLVMPositionBuilderBefore(b, term);
	else
		LLVMPositionBuilderAtEnd(b, cg->entry);
	LLVMValueRef a = LLVMBuildAlloca(b, t, name);
	LLVMSetAlignment(a, 8);
	LLVMDisposeBuilder(b);
	return a;
}

LLVMValueRef cg_buffer(struct codegen *cg, uint32_t size, const char *name)
{
	uint32_t rounded = (size + 7) & ~7u;
	if (!rounded)
		rounded = 8;
	LLVMValueRef a = cg_alloca(cg, LLVMArrayType2(cg->i8, rounded), name);
	/* 8-byte aligned: the back end zeroes it with 8-byte stores */
	LLVMBuildMemSet(cg->b, a, LLVMConstInt(cg->i8, 0, 0), cg_const(cg, rounded), 8);
	return a;
}

LLVMValueRef cg_gep(struct codegen *cg, LLVMValueRef base, uint64_t offset)
{
	if (!offset)
		return base;
	LLVMValueRef idx = cg_const(cg, offset);
	return LLVMBuildGEP2(cg->b, cg->i8, base, &idx, 1, "at");
}

void cg_memset(struct codegen *cg, LLVMValueRef dst, int byte, uint64_t len)
{
	if (!len)
		return;
	LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, (unsigned)byte, 0), cg_const(cg, len), 1);
}

void cg_memcpy(struct codegen *cg, LLVMValueRef dst, LLVMValueRef src, uint64_t len)
{
	if (!len)
		return;
	LLVMBuildMemCpy(cg->b, dst, 1, src, 1, cg_const(cg, len));
}

static LLVMTypeRef int_type(struct codegen *cg, uint32_t size)
{
	switch (size) {
	case 1: return cg->i8;
	case 2: return cg->i16;
	case 4: return cg->i32;
	default: return cg->i64;
	}
}

/* Our layouts (keys, values, events, tuples) follow C alignment from an
 * 8-aligned base, so integers are naturally aligned: one load or store,
 * not a byte-by-byte sequence. */
void cg_store_int(struct codegen *cg, LLVMValueRef v, LLVMValueRef dst, uint32_t size)
{
	LLVMTypeRef t = int_type(cg, size);
	if (t != cg->i64)
		v = LLVMBuildTrunc(cg->b, v, t, "");
	LLVMValueRef st = LLVMBuildStore(cg->b, v, dst);
	LLVMSetAlignment(st, size);
}

LLVMValueRef cg_load_int(struct codegen *cg, LLVMValueRef src, uint32_t size, bool is_signed)
{
	return cg_load_int_aligned(cg, src, size, is_signed, size);
}

LLVMValueRef cg_load_int_aligned(struct codegen *cg, LLVMValueRef src, uint32_t size,
				 bool is_signed, uint32_t align)
{
	LLVMTypeRef t = int_type(cg, size);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, t, src, "");
	LLVMSetAlignment(v, align);
	if (t == cg->i64)
		return v;
	return is_signed ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

LLVMValueRef cg_int_cast(struct codegen *cg, LLVMValueRef v, const struct type *t)
{
	if (t->kind != TY_INT || t->size >= 8)
		return v;
	LLVMValueRef x = LLVMBuildTrunc(cg->b, v, int_type(cg, t->size), "");
	return t->is_signed ? LLVMBuildSExt(cg->b, x, cg->i64, "") : LLVMBuildZExt(cg->b, x, cg->i64, "");
}

LLVMValueRef cg_helper(struct codegen *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int n)
{
	LLVMTypeRef params[8];
	for (int i = 0; i < n && i < 8; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef ft = LLVMFunctionType(ret, params, (unsigned)n, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(cg_const(cg, (uint64_t)id), cg->ptr);
	LLVMValueRef rc = LLVMBuildCall2(cg->b, ft, fp, args, (unsigned)n, "");
	cg_errors_check(cg, id, rc, n ? args[0] : NULL);
	return rc;
}

LLVMValueRef cg_map_lookup(struct codegen *cg, LLVMValueRef map, LLVMValueRef key)
{
	LLVMValueRef args[] = {map, key};
	return cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->ptr, args, 2);
}

LLVMValueRef cg_map_update(struct codegen *cg, LLVMValueRef map, LLVMValueRef key,
			   LLVMValueRef value, uint64_t flags)
{
	LLVMValueRef args[] = {map, key, value, cg_const(cg, flags)};
	return cg_helper(cg, BPF_FUNC_map_update_elem, cg->i64, args, 4);
}

LLVMValueRef cg_map_global(struct codegen *cg, const struct sema_map *m)
{
	return cg->map_globals[m->id];
}

/* ------------------------------------------------------- control flow */

void cg_if(struct codegen *cg, LLVMValueRef cond)
{
	struct cg_if_frame *f = &cg->ifs[cg->nifs++];
	LLVMBasicBlockRef then = cg_block(cg, "then");
	f->otherwise = cg_block(cg, "else");
	f->end = NULL;
	f->has_else = false;
	LLVMBuildCondBr(cg->b, cond, then, f->otherwise);
	LLVMPositionBuilderAtEnd(cg->b, then);
}

void cg_if_nonnull(struct codegen *cg, LLVMValueRef v)
{
	cg_if(cg, LLVMBuildIsNotNull(cg->b, v, "found"));
}

static void branch_if_open(struct codegen *cg, LLVMBasicBlockRef to)
{
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
		LLVMBuildBr(cg->b, to);
}

void cg_else(struct codegen *cg)
{
	struct cg_if_frame *f = &cg->ifs[cg->nifs - 1];
	f->end = cg_block(cg, "endif");
	f->has_else = true;
	branch_if_open(cg, f->end);
	LLVMPositionBuilderAtEnd(cg->b, f->otherwise);
}

void cg_end_if(struct codegen *cg)
{
	struct cg_if_frame *f = &cg->ifs[--cg->nifs];
	LLVMBasicBlockRef end = f->has_else ? f->end : f->otherwise;
	branch_if_open(cg, end);
	LLVMPositionBuilderAtEnd(cg->b, end);
}

void cg_return(struct codegen *cg)
{
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_return"));
}

/* ---------------------------------------------------------- events */

LLVMValueRef cg_event_reserve(struct codegen *cg, const struct sema_event *ev, uint32_t size)
{
	size = (size + 7) / 8 * 8;
	LLVMValueRef rargs[] = {cg->ringbuf, cg_const(cg, size), cg_const(cg, 0)};
	LLVMValueRef rec = cg_helper(cg, BPF_FUNC_ringbuf_reserve, cg->ptr, rargs, 3);
	cg_if_nonnull(cg, rec);
	LLVMBuildStore(cg->b, cg_const(cg, (uint64_t)ev->id), rec);
	return rec;
}

void cg_event_submit(struct codegen *cg, LLVMValueRef rec)
{
	LLVMValueRef sargs[] = {rec, cg_const(cg, 0)};
	cg_helper(cg, BPF_FUNC_ringbuf_submit, cg->voidt, sargs, 2);
	cg_else(cg);
	/* The ring buffer is full: count the loss, the runtime reports it. */
	LLVMValueRef key = cg_alloca(cg, cg->i32, "zero");
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, 0, 0), key);
	LLVMValueRef slot = cg_map_lookup(cg, cg->lost_map, key);
	cg_if_nonnull(cg, slot);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, slot, "lost");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, v, cg_const(cg, 1), ""), slot);
	cg_end_if(cg);
	cg_end_if(cg);
}

void cg_event_send(struct codegen *cg, const struct sema_event *ev, struct ast_node **args,
		   int nargs)
{
	LLVMValueRef rec = cg_event_reserve(cg, ev, 8 + (ev->args ? ev->args->size : 0));
	for (int i = 0; i < nargs; i++)
		cg_expr_into(cg, args[i], cg_gep(cg, rec, 8 + ev->args->offsets[i]),
			     ev->args->fields[i]);
	cg_event_submit(cg, rec);
}

LLVMValueRef cg_global_slot(struct codegen *cg, int slot)
{
	LLVMValueRef key = cg_alloca(cg, cg->i32, "slot");
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, (unsigned)slot, 0), key);
	return cg_map_lookup(cg, cg->globals_map, key);
}

LLVMValueRef cg_elapsed(struct codegen *cg)
{
	LLVMValueRef now = cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
	LLVMValueRef start = cg_alloca(cg, cg->i64, "start");
	LLVMBuildStore(cg->b, cg_const(cg, 0), start);
	LLVMValueRef slot = cg_global_slot(cg, SONDE_GLOBAL_START_NS);
	cg_if_nonnull(cg, slot);
	LLVMBuildStore(cg->b, LLVMBuildLoad2(cg->b, cg->i64, slot, ""), start);
	cg_end_if(cg);
	return LLVMBuildSub(cg->b, now, LLVMBuildLoad2(cg->b, cg->i64, start, ""), "elapsed");
}

void cg_set_loc(struct codegen *cg, struct src_loc loc)
{
	cg->loc = loc;
	if (!cg->di_scope)
		return;
	LLVMMetadataRef l = LLVMDIBuilderCreateDebugLocation(cg->ctx, (unsigned)loc.line,
							     (unsigned)loc.col, cg->di_scope, NULL);
	LLVMSetCurrentDebugLocation2(cg->b, l);
}
