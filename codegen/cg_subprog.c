/* BPF subprograms: functions in .text that programs call with a BPF-to-BPF
 * call.  Two kinds: callbacks (bpf_for_each_map_elem's) and shared
 * functions, built once per module the first time a program needs one, so
 * the back end compiles their code once instead of once per program.  A
 * shared function is for code that takes the back end long to compile and
 * whose call costs little beside its own run time (a few instructions). */
#include <string.h>

#include "codegen/codegen.h"

static void add_attr(struct codegen *cg, LLVMValueRef fn, const char *name)
{
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(cg->ctx,
							LLVMGetEnumAttributeKindForName(name, strlen(name)),
							0));
}

/* ret name(params...), internal, with the debug info the kernel wants for
 * every subprogram: BTF func info whose parameters are all named. */
static LLVMValueRef subprog(struct codegen *cg, const char *name, unsigned line, LLVMTypeRef ret,
			    LLVMMetadataRef di_ret, LLVMTypeRef *types, LLVMMetadataRef *di_types,
			    const char *const *pnames, unsigned n)
{
	LLVMValueRef fn = LLVMAddFunction(cg->u.mod, name, LLVMFunctionType(ret, types, n, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	add_attr(cg, fn, "nounwind");
	LLVMMetadataRef sig[8] = {di_ret};
	for (unsigned i = 0; i < n && i < 7; i++)
		sig[i + 1] = di_types[i];
	LLVMMetadataRef sub = LLVMDIBuilderCreateSubroutineType(cg->u.di, cg->u.di_file, sig, n + 1,
								LLVMDIFlagZero);
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(cg->u.di, cg->u.di_file, name, strlen(name), name,
							 strlen(name), cg->u.di_file, line, sub, 1, 1,
							 line, LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(fn, sp);
	for (unsigned i = 0; i < n; i++)
		LLVMDIBuilderCreateParameterVariable(cg->u.di, sp, pnames[i], strlen(pnames[i]), i + 1,
						     cg->u.di_file, line, di_types[i], 1, LLVMDIFlagZero);
	return fn;
}

static LLVMMetadataRef di_long(struct codegen *cg)
{
	return LLVMDIBuilderCreateBasicType(cg->u.di, "long", 4, 64, 5, LLVMDIFlagZero);
}

static LLVMMetadataRef di_void_p(struct codegen *cg)
{
	return LLVMDIBuilderCreatePointerType(cg->u.di, NULL, 64, 64, 0, "", 0);
}

LLVMValueRef cg_subprog(struct codegen *cg, const char *name, unsigned line)
{
	LLVMTypeRef types[] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr};
	LLVMMetadataRef void_p = di_void_p(cg);
	LLVMMetadataRef di_types[] = {void_p, void_p, void_p, void_p};
	static const char *const pnames[] = {"map", "key", "value", "ctx"};
	return subprog(cg, name, line, cg->i64, di_long(cg), types, di_types, pnames, 4);
}

LLVMValueRef cg_shared_fn(struct codegen *cg, const char *name, const char *sig,
			  const char *const *pnames, cg_build_fn build, const void *arg)
{
	LLVMValueRef fn = LLVMGetNamedFunction(cg->u.mod, name);
	if (fn)
		return fn;
	LLVMTypeRef types[4];
	LLVMMetadataRef di_types[4];
	unsigned n = 0;
	for (const char *c = sig + 1; *c && n < 4; c++, n++) {
		types[n] = *c == 'p' ? cg->ptr : cg->i64;
		di_types[n] = *c == 'p' ? di_void_p(cg) : di_long(cg);
	}
	fn = subprog(cg, name, 1, sig[0] == 'p' ? cg->ptr : cg->i64,
		     sig[0] == 'p' ? di_void_p(cg) : di_long(cg), types, di_types, pnames, n);
	/* called, not inlined: inlining would compile the body per program */
	add_attr(cg, fn, "noinline");

	/* build the body as a program's, then go back to the caller */
	LLVMValueRef fn0 = cg->fn;
	LLVMBasicBlockRef entry0 = cg->entry, at0 = LLVMGetInsertBlock(cg->b);
	LLVMMetadataRef scope0 = cg->di_scope, dbg0 = LLVMGetCurrentDebugLocation2(cg->b);
	struct src_loc loc0 = cg->loc;
	cg->fn = fn;
	cg->di_scope = LLVMGetSubprogram(fn);
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry");
	LLVMBasicBlockRef body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg_set_loc(cg, (struct src_loc){1, 1, 1, 1});
	LLVMBuildBr(cg->b, body);
	LLVMPositionBuilderAtEnd(cg->b, body);
	build(cg, fn, arg);
	cg->fn = fn0;
	cg->entry = entry0;
	cg->di_scope = scope0;
	cg->loc = loc0;
	LLVMPositionBuilderAtEnd(cg->b, at0);
	LLVMSetCurrentDebugLocation2(cg->b, dbg0);
	return fn;
}

LLVMValueRef cg_call_shared(struct codegen *cg, LLVMValueRef fn, LLVMValueRef *args, unsigned n)
{
	return LLVMBuildCall2(cg->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

LLVMValueRef cg_ctlz(struct codegen *cg, LLVMValueRef x)
{
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, (LLVMTypeRef[]){cg->i64, cg->i1}, 2, 0);
	unsigned id = LLVMLookupIntrinsicID("llvm.ctlz", 9);
	LLVMValueRef ctlz = LLVMGetIntrinsicDeclaration(cg->u.mod, id, (LLVMTypeRef[]){cg->i64}, 1);
	LLVMValueRef args[] = {x, LLVMConstInt(cg->i1, 0, 0)};
	return LLVMBuildCall2(cg->b, ft, ctlz, args, 2, "lz");
}

static void build_clz64(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	(void)arg;
	LLVMBuildRet(cg->b, cg_ctlz(cg, LLVMGetParam(fn, 0)));
}

/* BPF has no count-leading-zeros instruction: the back end expands
 * llvm.ctlz into some thirty instructions, and that expansion is the most
 * expensive thing it compiles in a hist() (2.3M of the 4.1M CPU
 * instructions a hist costs per program, callgrind).  Once per module, it
 * costs one call per use. */
LLVMValueRef cg_clz64(struct codegen *cg, LLVMValueRef x)
{
	static const char *const pnames[] = {"x"};
	return cg_call_shared(cg, cg_shared_fn(cg, "sonde_clz64", "ll", pnames, build_clz64, NULL), &x, 1);
}
