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

/* The BPF back end expands memset and memcpy into at most 128 stores and
 * rejects longer ones; the optimiser merges adjacent memsets.  Buffers in
 * the scratch map may be longer: they are cleared in pieces the optimiser
 * must leave alone (volatile) and copied in pieces of MEM_CHUNK bytes (128
 * stores even when the alignment is not known). */
#define MEM_CHUNK 128

static void memset_volatile(struct codegen *cg, LLVMValueRef dst, int byte, uint64_t len,
			    unsigned align)
{
	LLVMTypeRef types[] = {cg->ptr, cg->i64};
	unsigned id = LLVMLookupIntrinsicID("llvm.memset", 11);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->u.mod, id, types, 2);
	LLVMValueRef args[] = {dst, LLVMConstInt(cg->i8, (unsigned)byte, 0), cg_const(cg, len),
			       LLVMConstInt(cg->i1, 1, 0)};
	LLVMValueRef call = LLVMBuildCall2(cg->b, LLVMGlobalGetValueType(fn), fn, args, 4, "");
	LLVMAddCallSiteAttribute(call, 1, LLVMCreateEnumAttribute(
				 cg->ctx, LLVMGetEnumAttributeKindForName("align", 5), align));
}

/* len bytes at dst set to byte, in pieces of chunk when longer than that */
static void memset_chunked(struct codegen *cg, LLVMValueRef dst, int byte, uint64_t len,
			   uint64_t chunk, unsigned align)
{
	if (len <= chunk) {
		if (len)
			LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, (unsigned)byte, 0),
					cg_const(cg, len), align);
		return;
	}
	for (uint64_t off = 0; off < len; off += chunk)
		memset_volatile(cg, cg_gep(cg, dst, off), byte,
				len - off < chunk ? len - off : chunk, align);
}

/* Helpers whose value cannot change while a program runs: the current
 * task and its ids do not change under a running BPF program, nor does the
 * CPU (programs run with migration disabled). */
static bool same_for_the_run(int id)
{
	switch (id) {
	case BPF_FUNC_get_current_pid_tgid:
	case BPF_FUNC_get_current_uid_gid:
	case BPF_FUNC_get_smp_processor_id:
	case BPF_FUNC_get_current_task:
	case BPF_FUNC_get_current_task_btf:
	case BPF_FUNC_get_current_cgroup_id:
	case BPF_FUNC_get_numa_node_id:
		return true;
	}
	return false;
}

/* A BPF helper called through inttoptr(its id), no error accounting. */
static LLVMValueRef helper_call(struct codegen *cg, int id, LLVMTypeRef ret, LLVMValueRef *args,
				int n)
{
	LLVMTypeRef params[8];
	for (int i = 0; i < n && i < 8; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef ft = LLVMFunctionType(ret, params, (unsigned)n, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(cg_const(cg, (uint64_t)id), cg->ptr);
	LLVMValueRef call = LLVMBuildCall2(cg->b, ft, fp, args, (unsigned)n, "");
	if (same_for_the_run(id)) {
		/* memory(none) (0: no memory effects): a second pid or cpu in
		 * the program reuses the first call's value (early-cse), one
		 * helper call less per event and less code to compile */
		static const char *const attrs[] = {"memory", "nounwind", "willreturn"};
		for (int i = 0; i < 3; i++) {
			unsigned kind = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
			LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
						 LLVMCreateEnumAttribute(cg->ctx, kind, 0));
		}
	}
	return call;
}

/* Buffers of SCRATCH_MIN bytes or more (strings, string keys, tuples with
 * strings, large records) live in the program's own slot of a per-CPU array
 * rather than on the 512-byte BPF stack, so a script's string sizes and
 * counts are not bounded by the stack.  One slot per program: a program
 * interrupted on its CPU by another (a perf event over a tracepoint) keeps
 * its buffers.  Smaller buffers (comm, integer tuples) stay on the stack:
 * they cost no lookup.  */
#define SCRATCH_MIN 64
#define SCRATCH_MAX (16u * 1024)	/* per-CPU values may have 32 KiB */

/* The slot of this program, looked up once in the function's entry block,
 * which then branches to the body only when the slot is there (always,
 * but the verifier wants to see the check). */
static LLVMValueRef scratch_base(struct codegen *cg)
{
	if (cg->scratch_ptr && cg->scratch_fn == cg->fn)
		return cg->scratch_ptr;
	LLVMValueRef term = cg->entry ? LLVMGetBasicBlockTerminator(cg->entry) : NULL;
	if (!term || LLVMGetNumSuccessors(term) != 1)
		return NULL;	/* not the entry -> body shape: use the stack */
	if (!cg->u.scratch_map)
		cg->u.scratch_map = btf_map_pending(cg, SONDE_MAP_SCRATCH);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMValueRef key = cg_alloca(cg, cg->i32, "scratch_slot");
	LLVMBasicBlockRef body = LLVMGetSuccessor(term, 0);
	LLVMPositionBuilderBefore(cg->b, term);
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, (unsigned)cg->prog->index, 0), key);
	LLVMValueRef args[] = {cg->u.scratch_map, key};
	LLVMValueRef p = helper_call(cg, BPF_FUNC_map_lookup_elem, cg->ptr, args, 2);
	/* map values are 8-byte aligned: say so, or copies go byte by byte */
	LLVMAddCallSiteAttribute(p, LLVMAttributeReturnIndex,
				 LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("align", 5), 8));
	LLVMValueRef none = LLVMBuildICmp(cg->b, LLVMIntEQ, p, LLVMConstNull(cg->ptr), "");
	LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "no_scratch");
	LLVMBuildCondBr(cg->b, none, fail, body);
	LLVMInstructionEraseFromParent(term);
	LLVMPositionBuilderAtEnd(cg->b, fail);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, here);
	if (cg->prog->index >= cg->scratch_slots)
		cg->scratch_slots = cg->prog->index + 1;
	cg->scratch_fn = cg->fn;
	return cg->scratch_ptr = p;
}

/* Gives the scratch map its shape once every program is emitted. */
void cg_scratch_finish(struct codegen *cg)
{
	if (cg->u.scratch_map)
		btf_map_describe(cg, cg->u.scratch_map, BPF_MAP_TYPE_PERCPU_ARRAY,
				 (uint32_t)cg->scratch_slots, 4, cg->scratch_size);
}

LLVMValueRef cg_buffer(struct codegen *cg, uint32_t size, const char *name)
{
	uint32_t rounded = (size + 7) & ~7u;
	if (!rounded)
		rounded = 8;
	LLVMValueRef a = NULL, base;
	if (rounded >= SCRATCH_MIN && cg->prog && cg->scratch_used + rounded + 8 <= SCRATCH_MAX &&
	    (base = scratch_base(cg))) {
		a = cg_gep(cg, base, cg->scratch_used);
		/* 8 bytes apart: the optimiser does not merge two buffers'
		 * clearing into one memset too long for the back end */
		cg->scratch_used += rounded + 8;
		if (cg->scratch_used > cg->scratch_size)
			cg->scratch_size = cg->scratch_used;
	}
	if (!a)
		a = cg_alloca(cg, LLVMArrayType2(cg->i8, rounded), name);
	/* 8-byte aligned: the back end zeroes it with 8-byte stores (128 at
	 * most in one memset) */
	memset_chunked(cg, a, 0, rounded, 1024, 8);
	return a;
}

LLVMValueRef cg_var_buffer(struct codegen *cg, uint32_t size, const char *name)
{
	uint32_t rounded = (size + 7) & ~7u;
	if (!rounded)
		rounded = 8;
	LLVMValueRef base;
	if (rounded < SCRATCH_MIN || !cg->prog || cg->scratch_used + rounded + 8 > SCRATCH_MAX ||
	    !(base = scratch_base(cg)))
		/* on the stack the verifier sees that it is written before it
		 * is read */
		return cg_alloca(cg, LLVMArrayType2(cg->i8, rounded), name);
	/* in the entry block, after the scratch lookup: it dominates the body */
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMPositionBuilderBefore(cg->b, LLVMGetBasicBlockTerminator(cg->entry));
	LLVMValueRef a = cg_gep(cg, base, cg->scratch_used);
	memset_chunked(cg, a, 0, rounded, 1024, 8);
	LLVMPositionBuilderAtEnd(cg->b, here);
	cg->scratch_used += rounded + 8;
	if (cg->scratch_used > cg->scratch_size)
		cg->scratch_size = cg->scratch_used;
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
	memset_chunked(cg, dst, byte, len, MEM_CHUNK, 1);
}

void cg_memcpy(struct codegen *cg, LLVMValueRef dst, LLVMValueRef src, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += MEM_CHUNK) {
		uint64_t n = len - off < MEM_CHUNK ? len - off : MEM_CHUNK;
		LLVMBuildMemCpy(cg->b, cg_gep(cg, dst, off), 1, cg_gep(cg, src, off), 1, cg_const(cg, n));
	}
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
	LLVMValueRef rc = helper_call(cg, id, ret, args, n);
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
	return cg->u.map_globals[m->id];
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

/* long sonde_count_lost(void): one more event lost to a full ring buffer,
 * shared by every event site (it runs only when the buffer is full). */
static void build_count_lost(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	(void)fn, (void)arg;
	LLVMValueRef key = cg_alloca(cg, cg->i32, "zero");
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, 0, 0), key);
	LLVMValueRef slot = cg_map_lookup(cg, cg->u.lost_map, key);
	cg_if_nonnull(cg, slot);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, slot, "lost");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, v, cg_const(cg, 1), ""), slot);
	cg_end_if(cg);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
}

/* The ring buffer is full: count the loss, the runtime reports it. */
static void count_lost(struct codegen *cg)
{
	cg_call_shared(cg, cg_shared_fn(cg, "sonde_count_lost", "l", NULL, build_count_lost, NULL),
		       NULL, 0);
}

/* void *sonde_event_reserve(long size, long id): a ring-buffer record of
 * size bytes starting with the event id, or NULL when the buffer is full
 * (the loss counted).  Shared: every event site calls it instead of
 * carrying its own copy of the failure path.  The verifier checks it per
 * call site with the caller's constant size, and the record's reference
 * goes back to the caller, which submits it. */
static void build_event_reserve(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	(void)arg;
	LLVMValueRef rargs[] = {cg->u.ringbuf, LLVMGetParam(fn, 0), cg_const(cg, 0)};
	LLVMValueRef rec = cg_helper(cg, BPF_FUNC_ringbuf_reserve, cg->ptr, rargs, 3);
	cg_if_nonnull(cg, rec);
	LLVMBuildStore(cg->b, LLVMGetParam(fn, 1), rec);
	LLVMBuildRet(cg->b, rec);
	cg_end_if(cg);
	count_lost(cg);
	LLVMBuildRet(cg->b, LLVMConstNull(cg->ptr));
}

/* The same inline, where the verifier walks the code once per round of a
 * loop: a call there costs it more than the inline code (a 4000-round
 * printf loop passes its 1M instructions with the call, not inline). */
static LLVMValueRef event_reserve_inline(struct codegen *cg, LLVMValueRef size, LLVMValueRef id)
{
	LLVMValueRef rargs[] = {cg->u.ringbuf, size, cg_const(cg, 0)};
	LLVMValueRef rec = cg_helper(cg, BPF_FUNC_ringbuf_reserve, cg->ptr, rargs, 3);
	cg_if_nonnull(cg, rec);
	LLVMBuildStore(cg->b, id, rec);
	cg_else(cg);
	count_lost(cg);
	cg_end_if(cg);
	return rec;
}

LLVMValueRef cg_event_reserve(struct codegen *cg, const struct sema_event *ev, uint32_t size)
{
	LLVMValueRef args[] = {cg_const(cg, (size + 7) / 8 * 8), cg_const(cg, (uint64_t)ev->id)};
	LLVMValueRef rec;
	if (cg->loop) {
		rec = event_reserve_inline(cg, args[0], args[1]);
	} else {
		static const char *const pnames[] = {"size", "id"};
		LLVMValueRef fn = cg_shared_fn(cg, "sonde_event_reserve", "pll", pnames,
					       build_event_reserve, NULL);
		rec = cg_call_shared(cg, fn, args, 2);
	}
	cg_if_nonnull(cg, rec);
	return rec;
}

void cg_event_submit(struct codegen *cg, LLVMValueRef rec)
{
	LLVMValueRef sargs[] = {rec, cg_const(cg, 0)};
	cg_helper(cg, BPF_FUNC_ringbuf_submit, cg->voidt, sargs, 2);
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
	return cg_map_lookup(cg, cg->u.globals_map, key);
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
