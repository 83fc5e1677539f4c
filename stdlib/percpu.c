/* percpu_kaddr(name [, cpu]): the address of a per-CPU kernel variable on
 * a CPU (the current one without cpu): the variable's offset in the
 * per-CPU area, from /proc/kallsyms, plus that CPU's __per_cpu_offset[]
 * entry read in BPF.  0 for a CPU that does not exist, as bpftrace's NULL.
 * The offsets are data symbols: a kernel built without CONFIG_KALLSYMS_ALL
 * does not list them, and percpu_kaddr() says so. */
#include <bpf/libbpf.h>

#include "codegen/codegen.h"
#include "runtime/kallsyms.h"
#include "stdlib/entries.h"

struct percpu_sym {
	uint64_t offset, table;	/* the variable's per-CPU offset, &__per_cpu_offset */
};

static struct type *percpu_kaddr_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *name = n->list.items[0];
	if (name->kind != AST_STR) {
		struct type *t = sema_check_expr(s, name);
		if (t && t->kind != TY_ERROR)
			sema_error(s, name->loc, "percpu_kaddr() needs a symbol name as a string literal");
		return type_error(a);
	}
	if (n->list.len > 1) {
		struct type *t = sema_check_expr(s, n->list.items[1]);
		if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
			return type_error(a);
		if (t->kind != TY_INT) {
			sema_error(s, n->list.items[1]->loc, "percpu_kaddr(): the cpu must be an integer, not %s",
				   type_name(a, t));
			return type_error(a);
		}
	}
	struct percpu_sym *ps = arena_alloc(a, sizeof(*ps));
	if (!kallsyms_address("__per_cpu_offset", &ps->table)) {
		sema_error(s, n->loc, "percpu_kaddr() needs a kernel built with CONFIG_KALLSYMS_ALL, "
			   "which this one is not: /proc/kallsyms lists no data symbols, and per-CPU "
			   "variables and __per_cpu_offset are found there");
		return type_error(a);
	}
	if (!kallsyms_address(name->str, &ps->offset)) {
		sema_error(s, name->loc, "percpu_kaddr(): no kernel symbol '%s' in /proc/kallsyms",
			   name->str);
		return type_error(a);
	}
	n->extra = ps;
	return type_ptr(a, type_int(a, 8, false));
}

static LLVMValueRef percpu_kaddr_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct percpu_sym *ps = n->extra;
	LLVMValueRef cpu = n->list.len > 1
		? cg_expr(cg, n->list.items[1])
		: LLVMBuildZExt(cg->b, cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i32, NULL, 0),
				cg->i64, "cpu");
	int ncpus = libbpf_num_possible_cpus();
	LLVMValueRef res = cg_alloca(cg, cg->i64, "percpu");
	LLVMBuildStore(cg->b, cg_const(cg, 0), res);
	cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntULT, cpu, cg_const(cg, (uint64_t)(ncpus > 0 ? ncpus : 1)), ""));
	LLVMValueRef slot = LLVMBuildAdd(cg->b, cg_const(cg, ps->table),
					 LLVMBuildMul(cg->b, cpu, cg_const(cg, 8), ""), "");
	LLVMValueRef base = cg_read_int(cg, slot, 8, false, false);
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, base, cg_const(cg, ps->offset), ""), res);
	cg_end_if(cg);
	return LLVMBuildLoad2(cg->b, cg->i64, res, "");
}

const struct stdlib_fn sl_percpu_kaddr = {
	.name = "percpu_kaddr", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = percpu_kaddr_check, .emit = percpu_kaddr_emit,
};
