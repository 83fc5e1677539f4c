/* str(): read a NUL-terminated string from kernel or user memory. */
#include "codegen/codegen.h"
#include "stdlib/entries.h"

static struct type *str_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	uint32_t size = sema_program(s)->strlen;
	if (n->list.len == 2) {
		int64_t len;
		if (!sema_const_int(s, n->list.items[1], &len) || len < 1 || len > 1024) {
			sema_error(s, n->list.items[1]->loc,
				   "str(): the length must be an integer constant from 1 to 1024");
			return type_error(a);
		}
		/* bpftrace reads at most len bytes, the NUL included */
		size = (uint32_t)len;
	}
	if (t->kind == TY_STRING)
		return type_string(a, t->size < size ? t->size : size);
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		sema_error(s, n->list.items[0]->loc, "str() needs a pointer or an address, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	return type_string(a, size);
}

static LLVMValueRef str_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	uint32_t size = n->type->size;
	LLVMValueRef dst = cg->dst && cg->dst_size >= size ? cg->dst : NULL;
	cg->dst = NULL;
	struct ast_node *arg = n->list.items[0];
	if (arg->type->kind == TY_STRING) {
		LLVMValueRef buf = dst ? dst : cg_buffer(cg, size, "str");
		cg_expr_into(cg, arg, buf, n->type);
		return buf;
	}
	LLVMValueRef p = cg_expr(cg, arg);
	LLVMValueRef buf = dst ? dst : cg_buffer(cg, size, "str");
	if (dst)
		cg_memset(cg, buf, 0, size);
	int helper = BPF_FUNC_probe_read_str;
	if (arg->type->kind == TY_PTR)
		helper = arg->type->user_ptr ? BPF_FUNC_probe_read_user_str
					     : BPF_FUNC_probe_read_kernel_str;
	LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, size, 0),
			       LLVMBuildIntToPtr(cg->b, p, cg->ptr, "p")};
	cg_helper(cg, helper, cg->i64, args, 3);
	return buf;
}

const struct stdlib_fn sl_str = {
	.name = "str", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = str_check, .emit = str_emit,
};
