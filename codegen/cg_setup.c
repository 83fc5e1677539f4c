/* The hidden program an attach point asks its provider for (probe_setup):
 * watchpoint:FUNC+argN's uprobe on FUNC.  It stops the process when asked
 * (the runtime resumes it once the watch is set, so no access is missed)
 * and reports the u64 at ctx + value_offset, argument N, with the attach
 * point's index: event id, index, value. */
#include <signal.h>

#include "codegen/codegen.h"

void cg_setup_program(struct codegen *cg, struct sema_prog *p)
{
	const struct probe_setup *ps = &p->setup;
	if (ps->stop) {
		LLVMValueRef sig[] = {LLVMConstInt(cg->i32, SIGSTOP, 0)};
		cg_helper(cg, BPF_FUNC_send_signal, cg->i64, sig, 1);
	}
	LLVMValueRef value = cg_load_int(cg, cg_gep(cg, cg->ctx_arg, ps->value_offset), 8, false);
	LLVMValueRef rec = cg_event_reserve(cg, p->setup_event, 24);
	LLVMBuildStore(cg->b, cg_const(cg, (uint64_t)p->aps[0]->index), cg_gep(cg, rec, 8));
	LLVMBuildStore(cg->b, value, cg_gep(cg, rec, 16));
	cg_event_submit(cg, rec);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
}
