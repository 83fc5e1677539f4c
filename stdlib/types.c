/* sizeof and offsetof: constants of the program, computed from sonde's
 * types and the kernel's BTF at compile time. */
#include <bpf/btf.h>

#include "codegen/codegen.h"
#include "runtime/kernel_btf.h"
#include "stdlib/entries.h"

/* The type named by a type argument, or the type of an expression (not
 * evaluated).  NULL after an error. */
static struct type *type_of_arg(struct sema *s, struct ast_node *arg)
{
	if (arg->kind == AST_TYPE)
		return sema_typespec(s, &arg->typespec, arg->loc);
	struct type *t = sema_check_expr(s, arg);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return NULL;
	return t;
}

static struct type *sizeof_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = type_of_arg(s, n->list.items[0]);
	if (!t)
		return type_error(a);
	if (t->kind == TY_VOID || t->kind == TY_AGG) {
		sema_error(s, n->list.items[0]->loc, "sizeof() of %s has no meaning", type_name(a, t));
		return type_error(a);
	}
	/* scratch variables and map values hold integers in 64 bits */
	struct ast_node *arg = n->list.items[0];
	if ((arg->kind == AST_VAR || arg->kind == AST_MAP) && t->kind == TY_INT)
		t = sema_storage_type(a, t);
	n->ival = t->size;
	return type_int(a, 8, false);
}

static LLVMValueRef const_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_const(cg, n->ival);
}

/* a.b.c as written: an identifier, then fields on it. */
static int field_path(struct ast_node *e, const char **out, struct src_loc *locs, int max)
{
	if (e->kind == AST_IDENT) {
		out[0] = e->name;
		locs[0] = e->loc;
		return 1;
	}
	if (e->kind != AST_FIELD)
		return -1;
	int k = field_path(e->lhs, out, locs, max);
	if (k < 0 || k >= max)
		return -1;
	out[k] = e->name;
	locs[k] = e->loc;
	return k + 1;
}

static struct type *offsetof_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = type_of_arg(s, n->list.items[0]);
	if (!t)
		return type_error(a);
	if (t->kind == TY_PTR && n->list.items[0]->kind != AST_TYPE && t->elem)
		t = t->elem;
	const char *path[32];
	struct src_loc locs[32];
	int k = field_path(n->list.items[1], path, locs, 32);
	if (k < 0) {
		sema_error(s, n->list.items[1]->loc, "offsetof() needs a field name, e.g. offsetof(struct sock, sk_state)");
		return type_error(a);
	}
	struct btf *btf = kernel_btf();
	uint64_t off = 0;
	for (int i = 0; i < k; i++) {
		if (t->kind != TY_RECORD || !t->btf_id) {
			sema_error(s, locs[i], "offsetof() needs a struct or a union, not %s", type_name(a, t));
			return type_error(a);
		}
		struct kernel_btf_member m;
		if (!kernel_btf_member(btf, t->btf_id, path[i], &m)) {
			sema_error(s, locs[i], "%s has no field '%s'", t->name, path[i]);
			if (sema_final(s)) {
				const char *names[1024];
				int nn = kernel_btf_member_names(btf, t->btf_id, names, 1024);
				const char *c = diag_closest(path[i], names, nn);
				if (c)
					sema_hint(s, "did you mean '%s'?", c);
			}
			return type_error(a);
		}
		if (m.bitfield_size) {
			sema_error(s, locs[i], "offsetof() of the bitfield '%s'", path[i]);
			return type_error(a);
		}
		off += m.bit_offset / 8;
		t = kernel_btf_type(a, btf, m.type_id);
	}
	n->ival = off;
	return type_int(a, 8, false);
}

const struct stdlib_fn sl_sizeof = {
	.name = "sizeof", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = sizeof_check, .emit = const_emit,
};
const struct stdlib_fn sl_offsetof = {
	.name = "offsetof", .kind = SL_FUNC, .min_args = 2, .max_args = 2,
	.check = offsetof_check, .emit = const_emit,
};

/* kptr(p), uptr(p): the same pointer, now known to point into kernel or
 * user memory (reads through it use the matching helper). */
static struct type *space_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind == TY_INT)
		return t;
	if (t->kind != TY_PTR) {
		sema_error(s, n->list.items[0]->loc, "%s() needs a pointer, not %s", n->name,
			   type_name(a, t));
		return type_error(a);
	}
	struct type *c = arena_alloc(a, sizeof(*c));
	*c = *t;
	c->user_ptr = n->name[0] == 'u';
	return c;
}

static LLVMValueRef space_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_expr(cg, n->list.items[0]);
}

const struct stdlib_fn sl_kptr = {
	.name = "kptr", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = space_check, .emit = space_emit,
};
const struct stdlib_fn sl_uptr = {
	.name = "uptr", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = space_check, .emit = space_emit,
};
