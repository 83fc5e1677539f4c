/* socket_cookie(sk): the kernel's cookie of a socket (bpf_get_socket_cookie
 * on a BTF-typed struct sock *, kernel 5.12), generated on first use and
 * stable for the socket's life; 0 for NULL.  The kernel offers the helper
 * with a socket argument only to fentry/fexit programs, whose arguments
 * carry their BTF type. */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

static struct type *socket_cookie_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	struct sema_prog *p = sema_current_prog(s);
	const char *kind = p ? p->provider->name : "";
	if (strcmp(kind, "fentry") && strcmp(kind, "fexit")) {
		sema_error(s, n->loc, "socket_cookie() works in fentry and fexit probes (the kernel "
			   "gives it a typed socket only there), not in %s probes", p ? kind : "these");
		return type_error(a);
	}
	if (t->kind != TY_PTR || !t->elem || t->elem->kind != TY_RECORD || !t->elem->name ||
	    strcmp(t->elem->name, "struct sock")) {
		sema_error(s, n->list.items[0]->loc, "socket_cookie() needs a struct sock *, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	return type_int(a, 8, false);
}

static LLVMValueRef socket_cookie_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef sk = LLVMBuildIntToPtr(cg->b, cg_expr(cg, n->list.items[0]), cg->ptr, "sk");
	return cg_helper(cg, BPF_FUNC_get_socket_cookie, cg->i64, &sk, 1);
}

const struct stdlib_fn sl_socket_cookie = {
	.name = "socket_cookie", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = socket_cookie_check, .emit = socket_cookie_emit,
};
