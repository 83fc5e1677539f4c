/* cgroup_path(id [, filter]): a cgroup id named by its paths in the cgroup
 * hierarchies, looked up when printed (runtime/cgroup_path.c), so only for
 * printing, as in bpftrace. */
#include "codegen/codegen.h"
#include "stdlib/entries.h"

static struct type *cgroup_path_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc, "cgroup_path() needs a cgroup id (an integer), not %s",
			   type_name(a, t));
		return type_error(a);
	}
	const char *filter = NULL;
	if (n->list.len > 1) {
		struct ast_node *f = n->list.items[1];
		if (f->kind != AST_STR) {
			sema_check_expr(s, f);
			sema_error(s, f->loc, "cgroup_path() takes its hierarchy filter as a string literal, "
				   "e.g. \"unified\" or \"cpu*\"");
			return type_error(a);
		}
		filter = f->str;
	}
	struct type *r = type_special(a, SP_CGROUP_PATH, 8);
	r->name = filter;
	return r;
}

static LLVMValueRef cgroup_path_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return stdlib_emit_u64(cg, n->list.items[0], "cgroup_path");
}

const struct stdlib_fn sl_cgroup_path = {
	.name = "cgroup_path", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = cgroup_path_check, .emit = cgroup_path_emit,
};
