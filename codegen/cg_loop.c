/* Counted loops for emitters that scan strings and buffers: for (i = 0;
 * i < n; i++) with n a constant, which the verifier bounds (kernel 5.3+). */
#include "codegen/codegen.h"

void cg_for_begin(struct codegen *cg, struct cg_for *f, uint64_t n)
{
	f->i = cg_alloca(cg, cg->i64, "i");
	LLVMBuildStore(cg->b, cg_const(cg, 0), f->i);
	f->cond = cg_block(cg, "for");
	f->body = cg_block(cg, "for_body");
	f->next = cg_block(cg, "for_next");
	f->end = cg_block(cg, "for_end");
	LLVMBuildBr(cg->b, f->cond);
	LLVMPositionBuilderAtEnd(cg->b, f->cond);
	LLVMValueRef i = LLVMBuildLoad2(cg->b, cg->i64, f->i, "");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, i, cg_const(cg, n), ""), f->body,
			f->end);
	LLVMPositionBuilderAtEnd(cg->b, f->body);
}

LLVMValueRef cg_for_index(struct codegen *cg, struct cg_for *f)
{
	return LLVMBuildLoad2(cg->b, cg->i64, f->i, "idx");
}

void cg_for_break_if(struct codegen *cg, struct cg_for *f, LLVMValueRef cond)
{
	LLVMBasicBlockRef go_on = cg_block(cg, "for_cont");
	LLVMBuildCondBr(cg->b, cond, f->end, go_on);
	LLVMPositionBuilderAtEnd(cg->b, go_on);
}

void cg_for_end(struct codegen *cg, struct cg_for *f)
{
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
		LLVMBuildBr(cg->b, f->next);
	LLVMPositionBuilderAtEnd(cg->b, f->next);
	LLVMValueRef i = LLVMBuildLoad2(cg->b, cg->i64, f->i, "");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, i, cg_const(cg, 1), ""), f->i);
	LLVMBuildBr(cg->b, f->cond);
	LLVMPositionBuilderAtEnd(cg->b, f->end);
}
