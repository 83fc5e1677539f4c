/* The machine under the probe: reg("name") reads a register of the
 * interrupted context, usermode says whether it was running user code,
 * bswap() reverses the bytes of an integer. */
#include <stdio.h>
#include <string.h>

#include "codegen/codegen.h"
#include "runtime/probes/pt_regs.h"
#include "stdlib/entries.h"

/* Programs whose context starts with the x86-64 struct pt_regs: kprobe and
 * uprobe programs, and perf event programs (bpf_perf_event_data). */
static bool regs_context(struct sema *s)
{
	static const char *const kinds[] = {"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt",
					    "profile", "interval", "software", "hardware"};
	struct sema_prog *p = sema_current_prog(s);
	for (size_t i = 0; p && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(p->provider->name, kinds[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------------- reg */

static struct type *reg_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *arg = n->list.items[0];
	if (arg->kind != AST_STR) {
		sema_check_expr(s, arg);
		sema_error(s, arg->loc, "reg() needs a register name as a string literal, e.g. reg(\"ip\")");
		return type_error(a);
	}
	if (!regs_context(s)) {
		struct sema_prog *p = sema_current_prog(s);
		sema_error(s, n->loc, "reg() needs registers, which %s probes do not have (kprobe, uprobe, usdt, profile do)",
			   p ? p->provider->name : "these");
		return type_error(a);
	}
	int off = pt_regs_offset(arg->str);
	if (off < 0) {
		static const char *const names[] = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10",
						    "r9", "r8", "ax", "cx", "dx", "si", "di", "orig_ax",
						    "ip", "cs", "flags", "sp", "ss"};
		sema_error(s, arg->loc, "reg(): no register \"%s\" on x86-64", arg->str);
		const char *c = diag_closest(arg->str, names, (int)(sizeof(names) / sizeof(names[0])));
		if (c && sema_final(s))
			sema_hint(s, "did you mean \"%s\"?", c);
		return type_error(a);
	}
	n->ival = (uint64_t)off;
	return type_int(a, 8, false);
}

static LLVMValueRef reg_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_load_int(cg, cg_gep(cg, cg->ctx_arg, n->ival), 8, false);
}

const struct stdlib_fn sl_reg = {
	.name = "reg", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = reg_check, .emit = reg_emit,
};

/* -------------------------------------------------------------- usermode */

static struct type *usermode_check(struct sema *s, struct ast_node *n)
{
	if (!regs_context(s)) {
		struct sema_prog *p = sema_current_prog(s);
		sema_error(s, n->loc, "usermode needs registers, which %s probes do not have (kprobe, uprobe, usdt, profile do)",
			   p ? p->provider->name : "these");
		return type_error(sema_arena(s));
	}
	return type_int(sema_arena(s), 1, false);
}

/* the privilege level in the low bits of cs: 3 is user mode */
static LLVMValueRef usermode_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef cs = cg_load_int(cg, cg_gep(cg, cg->ctx_arg, (uint64_t)pt_regs_offset("cs")), 8, false);
	LLVMValueRef ring = LLVMBuildAnd(cg->b, cs, cg_const(cg, 3), "");
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ring, cg_const(cg, 3), ""), cg->i64, "");
}

const struct stdlib_fn sl_usermode = {
	.name = "usermode", .kind = SL_VAR, .check = usermode_check, .emit = usermode_emit,
};

/* ----------------------------------------------------------------- bswap */

static struct type *bswap_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc, "bswap() needs an integer, not %s", type_name(a, t));
		return type_error(a);
	}
	return type_int(a, t->size, false);
}

static LLVMValueRef bswap_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	uint32_t size = n->type->size;
	LLVMValueRef v = cg_expr(cg, n->list.items[0]);
	if (size == 1)
		return LLVMBuildAnd(cg->b, v, cg_const(cg, 0xff), "");
	LLVMTypeRef it = LLVMIntTypeInContext(cg->ctx, size * 8);
	LLVMValueRef x = size == 8 ? v : LLVMBuildTrunc(cg->b, v, it, "");
	char name[32];
	snprintf(name, sizeof(name), "llvm.bswap.i%u", size * 8);
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->u.mod, id, &it, 1);
	LLVMValueRef r = LLVMBuildCall2(cg->b, LLVMIntrinsicGetType(cg->ctx, id, &it, 1), fn, &x, 1, "bswap");
	return size == 8 ? r : LLVMBuildZExt(cg->b, r, cg->i64, "");
}

const struct stdlib_fn sl_bswap = {
	.name = "bswap", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = bswap_check, .emit = bswap_emit,
};
