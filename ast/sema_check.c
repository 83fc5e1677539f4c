/* Name resolution and type inference over probe bodies. */
#include <stdlib.h>
#include <string.h>

#include "ast/sema_internal.h"
#include "stdlib/stdlib.h"

static struct type *check_stmt(struct sema *s, struct ast_node *n);
static void check_block(struct sema *s, struct ast_node *b);

static struct type *set(struct ast_node *n, struct type *t)
{
	n->type = t;
	return t;
}

static bool is_int(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PROBE);
}

static bool is_err(const struct type *t)
{
	return !t || t->kind == TY_ERROR || t->kind == TY_NONE;
}

static bool is_ptr(const struct type *t)
{
	return t && t->kind == TY_PTR;
}

/* A struct or union value is not a map key or a tuple field. */
static bool record_value(struct sema *s, struct src_loc loc, const struct type *t)
{
	if (!t || t->kind != TY_RECORD)
		return false;
	sema_error(s, loc, "%s cannot be a map key or a tuple field; use a pointer to it or its fields",
		   t->name ? t->name : "a struct");
	return true;
}

/* A struct or union is copied out whole into a variable or a map value
 * when kernel BTF describes it (the printers need its members). */
#define RECORD_COPY_MAX 256	/* bytes: a copy goes through the 512-byte BPF stack */
static bool record_uncopyable(struct sema *s, struct src_loc loc, const struct type *t)
{
	if (!t || t->kind != TY_RECORD)
		return false;
	const char *name = t->name ? t->name : "a struct";
	if (t->btf_id <= 0 && !t->names)
		sema_error(s, loc, "%s cannot be copied whole: only structs and unions of kernel BTF can; "
			   "use its fields", name);
	else if (t->size > RECORD_COPY_MAX)
		sema_error(s, loc, "%s is %u bytes, too big to copy into a variable or a map (at most %d); "
			   "print() it whole or store its fields", name, t->size, RECORD_COPY_MAX);
	else
		return false;
	return true;
}

/* ------------------------------------------------------------- variables */

static struct sema_var *var_find(struct sema *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i]->name, name))
			return s->vars[i];
	return NULL;
}

static struct sema_var *var_assign(struct sema *s, struct ast_node *n, struct type *t)
{
	struct sema_var *v = var_find(s, n->name);
	struct type *st = t;
	if (t && t->kind == TY_INT && t->size != 8) {
		st = type_int(s->a, 8, t->is_signed);
		st->btf_id = t->btf_id;	/* an enum stays one */
	}
	if (!v) {
		/* Variables live across passes on the node of their first
		 * assignment, so their types can grow. */
		v = n->var ? n->var : arena_alloc(s->a, sizeof(*v));
		v->name = n->name;
		v->loc = n->loc;
		if (!v->type || v->type->kind == TY_NONE)
			v->type = st;
		struct sema_var **vars = arena_alloc(s->a, sizeof(*vars) * (s->nvars + 1));
		if (s->nvars)
			memcpy(vars, s->vars, sizeof(*vars) * s->nvars);
		vars[s->nvars++] = v;
		s->vars = vars;
	}
	n->var = v;
	if (is_err(t))
		return v;
	if (is_err(v->type)) {
		v->type = st;
		s->changed = true;
	} else if (!type_compatible(st, v->type)) {
		sema_error(s, n->loc, "variable $%s holds %s but is assigned %s here", n->name,
			   type_name(s->a, v->type), type_name(s->a, st));
	} else if (v->type->kind == TY_STRING && st->size > v->type->size) {
		v->type = st;
		s->changed = true;
	}
	return v;
}

/* ----------------------------------------------------------- expressions */

static struct type *check_map(struct sema *s, struct ast_node *n)
{
	struct sema_map *m = sema_map_get(s, n);
	struct type *key = NULL;
	if (n->list.len == 1) {
		key = sema_check_expr(s, n->list.items[0]);
	} else if (n->list.len > 1) {
		struct type **f = arena_alloc(s->a, sizeof(*f) * n->list.len);
		for (int i = 0; i < n->list.len; i++)
			f[i] = sema_check_expr(s, n->list.items[i]);
		for (int i = 0; i < n->list.len; i++)
			if (is_err(f[i]))
				return set(n, type_error(s->a));
		key = type_tuple(s->a, f, n->list.len);
	}
	if (key && is_err(key))
		return set(n, type_error(s->a));
	if (key && record_value(s, n->loc, key))
		return set(n, type_error(s->a));
	if (key && key->kind == TY_SPECIAL && key->special == SP_CGROUP_PATH) {
		/* resolved when printed, so it may change: not a key (as in bpftrace) */
		sema_error(s, n->loc, "a cgroup_path() value can only be printed, not used as a map key");
		return set(n, type_error(s->a));
	}
	if (key && (key->kind == TY_AGG || key->kind == TY_VOID)) {
		sema_error(s, n->loc, "a map key cannot be of type %s", type_name(s->a, key));
		return set(n, type_error(s->a));
	}
	sema_map_set_key(s, n, key);
	return set(n, m->value ? m->value : type_new(s->a, TY_NONE));
}

struct type *sema_check_map_keys(struct sema *s, struct ast_node *n)
{
	return check_map(s, n);
}

/* The current program's context fields (its first attach point's: the
 * program's attach points share one context), in *f; args: the args
 * fields too, loaded now if still pending.  -1: they cannot be loaded
 * (the error has been reported). */
static int ctx_fields(struct sema *s, bool args, const struct ctx_field **f)
{
	struct sema_prog *p = s->prog;
	*f = NULL;
	if (!p || !p->naps)
		return 0;
	return attach_point_fields(p->aps[0], s->a, s->d, args, f);
}

/* A field of the current program's context: an args field, or a builtin
 * one (arg0, retval). */
static const struct ctx_field *ctx_lookup(struct sema *s, const char *name, bool builtin)
{
	const struct ctx_field *f;
	int n = ctx_fields(s, !builtin, &f);
	return ctx_field_find(f, n, name, builtin);
}

static bool is_ctx_builtin_name(const char *name)
{
	if (!strcmp(name, "retval"))
		return true;
	if (strncmp(name, "arg", 3) && strncmp(name, "sarg", 4))
		return false;
	const char *d = name + (name[0] == 's' ? 4 : 3);
	if (!*d)
		return false;
	while (*d >= '0' && *d <= '9')
		d++;
	return !*d;
}

/* args alone: a record of the context's arguments, in their order (for
 * print(args) and for keeping them whole). */
static struct type *args_record(struct sema *s, struct ast_node *n)
{
	struct sema_prog *p = s->prog;
	const struct ctx_field *fs;
	int nf = ctx_fields(s, true, &fs);
	if (nf < 0)
		return type_error(s->a);
	int k = 0;
	for (int i = 0; i < nf; i++)
		k += !fs[i].builtin;
	if (!k) {
		sema_error(s, n->loc, "args is not available in %s probes", p ? p->provider->name : "these");
		return type_error(s->a);
	}
	struct type **f = arena_alloc(s->a, sizeof(*f) * k);
	const char **names = arena_alloc(s->a, sizeof(*names) * k);
	k = 0;
	for (int i = 0; i < nf; i++) {
		if (fs[i].builtin)
			continue;
		struct type *ft = fs[i].type;
		if (ft->kind == TY_RECORD) {
			sema_error(s, n->loc, "args holds %s by value: print its fields instead",
				   ft->name ? ft->name : "a struct");
			return type_error(s->a);
		}
		names[k] = fs[i].name;
		f[k++] = ft;
	}
	struct type *t = type_tuple(s->a, f, k);
	t->kind = TY_RECORD;
	t->name = "args";
	t->names = names;
	return t;
}

static struct type *check_ident(struct sema *s, struct ast_node *n)
{
	const struct stdlib_fn *fn = stdlib_find(n->name, SL_VAR);
	if (fn) {
		n->fn = fn;
		return set(n, fn->check(s, n));
	}
	const struct ctx_field *f = ctx_lookup(s, n->name, true);
	if (f) {
		n->extra = (void *)f;
		return set(n, f->type);
	}
	if (is_ctx_builtin_name(n->name)) {
		sema_error(s, n->loc, "%s is not available in %s probes", n->name,
			   s->prog ? s->prog->provider->name : "these");
		return set(n, type_error(s->a));
	}
	if (!strcmp(n->name, "args"))
		return set(n, args_record(s, n));
	if (sema_enum_ident(s, n))
		return n->type;
	if (stdlib_planned(n->name, SL_VAR)) {
		sema_error(s, n->loc, "the builtin '%s' is not supported yet", n->name);
		return set(n, type_error(s->a));
	}
	if (stdlib_find(n->name, SL_FUNC) || stdlib_planned(n->name, SL_FUNC)) {
		sema_error(s, n->loc, "%s is a function: call it, as in %s(...)", n->name, n->name);
		return set(n, type_error(s->a));
	}
	sema_error(s, n->loc, "unknown identifier '%s'", n->name);
	if (s->final) {
		const char *names[256];
		int k = stdlib_names(names, 256, SL_VAR);
		const char *c = diag_closest(n->name, names, k);
		if (c)
			diag_hint(s->d, "did you mean '%s'?", c);
	}
	return set(n, type_error(s->a));
}

static struct type *check_call(struct sema *s, struct ast_node *n)
{
	const struct stdlib_fn *fn = stdlib_find(n->name, SL_FUNC);
	if (!fn)
		fn = stdlib_find(n->name, SL_AGG);
	if (!fn && !n->list.len && (fn = stdlib_find(n->name, SL_VAR))) {
		/* pid() is pid: a builtin variable may be called */
		n->fn = fn;
		return set(n, fn->check(s, n));
	}
	if (!fn && stdlib_planned(n->name, SL_FUNC)) {
		sema_error(s, n->loc, "the function %s() is not supported yet", n->name);
		for (int i = 0; i < n->list.len; i++)
			sema_check_expr(s, n->list.items[i]);
		return set(n, type_error(s->a));
	}
	if (!fn && stdlib_find(n->name, SL_VAR)) {
		sema_error(s, n->loc, "%s is a builtin variable and takes no arguments", n->name);
		for (int i = 0; i < n->list.len; i++)
			sema_check_expr(s, n->list.items[i]);
		return set(n, type_error(s->a));
	}
	if (!fn) {
		sema_error(s, n->loc, "unknown function '%s'", n->name);
		if (s->final) {
			const char *names[256];
			int k = stdlib_names(names, 256, SL_FUNC);
			k += stdlib_names(names + k, 256 - k, SL_AGG);
			const char *c = diag_closest(n->name, names, k);
			if (c)
				diag_hint(s->d, "did you mean '%s'?", c);
		}
		for (int i = 0; i < n->list.len; i++)
			sema_check_expr(s, n->list.items[i]);
		return set(n, type_error(s->a));
	}
	n->fn = fn;
	if (n->list.len < fn->min_args || n->list.len > fn->max_args) {
		if (!fn->min_args && fn->max_args == 1)
			sema_error(s, n->loc, "%s() takes at most 1 argument, %d given", fn->name,
				   n->list.len);
		else if (fn->min_args == fn->max_args)
			sema_error(s, n->loc, "%s() takes %d argument%s, %d given", fn->name,
				   fn->min_args, fn->min_args == 1 ? "" : "s", n->list.len);
		else
			sema_error(s, n->loc, "%s() takes %d to %d arguments, %d given", fn->name,
				   fn->min_args, fn->max_args, n->list.len);
		return set(n, type_error(s->a));
	}
	if (fn->unsafe && !s->opts->unsafe) {
		sema_error(s, n->loc, "%s() changes the system and needs --unsafe", fn->name);
		fn->check(s, n);	/* and what else is wrong with the call, as bpftrace */
		return set(n, type_error(s->a));
	}
	return set(n, fn->check(s, n));
}

static struct type *int_result(struct sema *s, struct type *l, struct type *r)
{
	bool is_signed = (l->kind != TY_INT || l->is_signed) && (r->kind != TY_INT || r->is_signed);
	return type_int(s->a, 8, is_signed);
}

static struct type *check_binary(struct sema *s, struct ast_node *n)
{
	struct type *l = sema_check_expr(s, n->lhs);
	struct type *r = sema_check_expr(s, n->rhs);
	/* A map not yet typed (read before any assignment is seen, as in
	 * @n = @n + 1) is an integer in arithmetic, as bpftrace reads it. */
	bool arith = n->op != OP_EQ && n->op != OP_NE;
	if (arith && l && l->kind == TY_NONE && n->lhs->kind == AST_MAP)
		l = type_int(s->a, 8, true);
	if (arith && r && r->kind == TY_NONE && n->rhs->kind == AST_MAP)
		r = type_int(s->a, 8, true);
	if (is_err(l) || is_err(r))
		return set(n, is_err(l) ? l : r);
	if (n->op == OP_EQ || n->op == OP_NE) {
		if (l->kind == TY_STRING && r->kind == TY_STRING)
			return set(n, type_int(s->a, 8, false));
	}
	if (is_ptr(l) || is_ptr(r)) {
		bool ok_l = is_int(l) || is_ptr(l), ok_r = is_int(r) || is_ptr(r);
		switch (n->op) {
		case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		case OP_LAND: case OP_LOR:
			if (ok_l && ok_r)
				return set(n, type_int(s->a, 8, false));
			break;
		case OP_ADD:
			/* pointer arithmetic counts elements, as in C */
			if (is_ptr(l) && is_int(r))
				return set(n, l);
			if (is_int(l) && is_ptr(r))
				return set(n, r);
			break;
		case OP_SUB:
			if (is_ptr(l) && is_int(r))
				return set(n, l);
			break;
		default:
			break;
		}
		sema_error(s, n->loc, "operator %s cannot be applied to %s and %s", ast_op_str(n->op),
			   type_name(s->a, l), type_name(s->a, r));
		return set(n, type_error(s->a));
	}
	if (n->op == OP_LAND || n->op == OP_LOR) {
		if (!is_int(l) || !is_int(r)) {
			sema_error(s, n->loc, "operands of %s must be integers or booleans, not %s and %s",
				   ast_op_str(n->op), type_name(s->a, l), type_name(s->a, r));
			return set(n, type_error(s->a));
		}
		return set(n, type_int(s->a, 8, false));
	}
	if (!is_int(l) || !is_int(r)) {
		sema_error(s, n->loc, "operator %s cannot be applied to %s and %s", ast_op_str(n->op),
			   type_name(s->a, l), type_name(s->a, r));
		return set(n, type_error(s->a));
	}
	int64_t v;
	if ((n->op == OP_DIV || n->op == OP_MOD) && sema_const_int(s, n->rhs, &v) && v == 0) {
		sema_error(s, n->rhs->loc, "division by zero");
		return set(n, type_error(s->a));
	}
	switch (n->op) {
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		return set(n, type_int(s->a, 8, false));
	default:
		return set(n, int_result(s, l, r));
	}
}

static struct type *check_lvalue_incdec(struct sema *s, struct ast_node *n)
{
	struct ast_node *target = n->lhs;
	if (target->kind == AST_VAR) {
		struct sema_var *v = var_find(s, target->name);
		if (!v) {
			sema_error(s, target->loc, "variable $%s is used before it is assigned",
				   target->name);
			return set(n, type_error(s->a));
		}
		target->var = v;
		set(target, v->type);
		if (!is_int(v->type) && !is_err(v->type)) {
			sema_error(s, n->loc, "%s needs an integer, $%s is %s", ast_op_str(n->op),
				   target->name, type_name(s->a, v->type));
			return set(n, type_error(s->a));
		}
		return set(n, v->type);
	}
	if (target->kind == AST_MAP) {
		check_map(s, target);
		/* before the value is recorded: one error, not a type conflict too */
		if (target->map->value && target->map->value->kind == TY_AGG) {
			set(target, target->map->value);
			sema_error(s, n->loc, "%s cannot be applied to an aggregation map",
				   ast_op_str(n->op));
			return set(n, type_error(s->a));
		}
		struct type *t = type_int(s->a, 8, true);
		sema_map_set_value(s, target->map, t, n->loc);
		set(target, target->map->value);
		return set(n, t);
	}
	sema_error(s, n->loc, "%s needs a variable or a map", ast_op_str(n->op));
	return set(n, type_error(s->a));
}

static struct type *check_unary(struct sema *s, struct ast_node *n)
{
	switch (n->op) {
	case OP_PRE_INC: case OP_PRE_DEC: case OP_POST_INC: case OP_POST_DEC:
		return check_lvalue_incdec(s, n);
	case OP_DEREF:
		return sema_check_deref(s, n);
	case OP_ADDR:
		return sema_check_addr(s, n);
	default: {
		struct type *t = sema_check_expr(s, n->lhs);
		if (is_err(t))
			return set(n, t);
		if (n->op == OP_LNOT && is_ptr(t))
			return set(n, type_int(s->a, 8, false));
		if (!is_int(t)) {
			sema_error(s, n->loc, "operator %s cannot be applied to %s", ast_op_str(n->op),
				   type_name(s->a, t));
			return set(n, type_error(s->a));
		}
		if (n->op == OP_LNOT)
			return set(n, type_int(s->a, 8, false));
		if (n->op == OP_NEG)
			return set(n, type_int(s->a, 8, true));
		return set(n, type_int(s->a, 8, t->kind == TY_INT && t->is_signed));
	}
	}
}

static struct type *check_field(struct sema *s, struct ast_node *n)
{
	if (n->lhs->kind != AST_IDENT || strcmp(n->lhs->name, "args"))
		return sema_check_member(s, n);
	struct sema_prog *p = s->prog;
	struct attach_point *ap = p && p->naps ? p->aps[0] : NULL;
	const struct ctx_field *fs;
	int nf = ctx_fields(s, true, &fs);
	if (nf < 0)
		return set(n, type_error(s->a));
	bool any = false;
	for (int i = 0; i < nf; i++)
		any |= !fs[i].builtin;
	const struct ctx_field *f = any ? ctx_field_find(fs, nf, n->name, false) : NULL;
	if (f) {
		n->extra = (void *)f;
		set(n->lhs, type_void(s->a));
		return set(n, f->type);
	}
	const char *why = ap && p->provider->arg_unreadable
				  ? p->provider->arg_unreadable(s->a, ap, n->name) : NULL;
	if (why) {
		sema_error(s, n->loc, "%s", why);
		return set(n, type_error(s->a));
	}
	if (!any) {
		sema_error(s, n->loc, "args is not available in %s probes",
			   p ? p->provider->name : "these");
		return set(n, type_error(s->a));
	}
	sema_error(s, n->loc, "%s has no argument '%s'", ap->name, n->name);
	if (s->final) {
		const char *names[128];
		int k = 0;
		for (int i = 0; i < nf && k < 128; i++)
			if (!fs[i].builtin)
				names[k++] = fs[i].name;
		const char *c = diag_closest(n->name, names, k);
		if (c)
			diag_hint(s->d, "did you mean args.%s?", c);
	}
	return set(n, type_error(s->a));
}

static struct type *check_tuple(struct sema *s, struct ast_node *n)
{
	struct type **f = arena_alloc(s->a, sizeof(*f) * n->list.len);
	for (int i = 0; i < n->list.len; i++) {
		f[i] = sema_check_expr(s, n->list.items[i]);
		if (is_err(f[i]))
			return set(n, f[i]);
		if (record_value(s, n->list.items[i]->loc, f[i]))
			return set(n, type_error(s->a));
		if (f[i]->kind == TY_VOID || f[i]->kind == TY_AGG) {
			sema_error(s, n->list.items[i]->loc, "a tuple cannot hold %s",
				   type_name(s->a, f[i]));
			return set(n, type_error(s->a));
		}
		f[i] = sema_storage_type(s->a, f[i]);
	}
	return set(n, type_tuple(s->a, f, n->list.len));
}

static struct type *check_positional(struct sema *s, struct ast_node *n)
{
	if (n->ival == (uint64_t)-1)
		return set(n, type_int(s->a, 8, true));
	long k = (long)n->ival;
	if (k < 1 || k > s->opts->npositional) {
		sema_error(s, n->loc, "positional parameter $%ld is not given on the command line", k);
		return set(n, type_error(s->a));
	}
	int64_t v;
	if (sema_const_int(s, n, &v))
		return set(n, type_int(s->a, 8, true));
	return set(n, type_string(s->a, (uint32_t)strlen(s->opts->positional[k - 1]) + 1));
}

struct type *sema_check_expr(struct sema *s, struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		return set(n, type_int(s->a, 8, n->ival <= INT64_MAX));
	case AST_BOOL:
		return set(n, type_bool(s->a));
	case AST_STR:
		return set(n, type_string(s->a, (uint32_t)n->str_len + 1));
	case AST_IDENT:
		return check_ident(s, n);
	case AST_VAR: {
		struct sema_var *v = var_find(s, n->name);
		if (!v) {
			sema_error(s, n->loc, "variable $%s is used before it is assigned", n->name);
			return set(n, type_error(s->a));
		}
		n->var = v;
		return set(n, v->type);
	}
	case AST_MAP: {
		struct type *t = check_map(s, n);
		if (t->kind == TY_AGG) {
			sema_unsupported(s, n->loc, "reading an aggregation's value in an expression");
			return set(n, type_error(s->a));
		}
		return t;
	}
	case AST_POSITIONAL:
		return check_positional(s, n);
	case AST_CALL: {
		struct type *t = check_call(s, n);
		if (n->fn && n->fn->kind == SL_AGG) {
			sema_error(s, n->loc, "%s() must be assigned to a map, e.g. @x = %s(...)",
				   n->name, n->name);
			return set(n, type_error(s->a));
		}
		return t;
	}
	case AST_UNARY:
		return check_unary(s, n);
	case AST_BINARY:
		return check_binary(s, n);
	case AST_TERNARY: {
		struct type *c = sema_check_expr(s, n->cond);
		struct type *x = sema_check_expr(s, n->then);
		struct type *y = sema_check_expr(s, n->otherwise);
		if (is_err(c) || is_err(x) || is_err(y))
			return set(n, type_error(s->a));
		if (!is_int(c) && !is_ptr(c)) {
			sema_error(s, n->cond->loc, "a condition must be an integer or a boolean, not %s",
				   type_name(s->a, c));
			return set(n, type_error(s->a));
		}
		if (is_int(x) && is_int(y))
			return set(n, int_result(s, x, y));
		if (is_ptr(x) && (is_ptr(y) || is_int(y)))
			return set(n, x);
		if (is_int(x) && is_ptr(y))
			return set(n, y);
		if (x->kind == TY_STRING && y->kind == TY_STRING)
			return set(n, x->size >= y->size ? x : y);
		sema_error(s, n->loc, "both branches of ?: must have the same type, not %s and %s",
			   type_name(s->a, x), type_name(s->a, y));
		return set(n, type_error(s->a));
	}
	case AST_FIELD:
		return check_field(s, n);
	case AST_TUPLE_INDEX: {
		struct type *t = sema_check_expr(s, n->lhs);
		if (is_err(t))
			return set(n, t);
		if (t->kind != TY_TUPLE) {
			sema_error(s, n->loc, ".%d needs a tuple, not %s", (int)n->ival,
				   type_name(s->a, t));
			return set(n, type_error(s->a));
		}
		if (n->ival >= (uint64_t)t->nfields) {
			sema_error(s, n->loc, "tuple index %d is out of range: the tuple has %d fields",
				   (int)n->ival, t->nfields);
			return set(n, type_error(s->a));
		}
		return set(n, t->fields[n->ival]);
	}
	case AST_TUPLE:
		return check_tuple(s, n);
	case AST_CAST:
		return sema_check_cast(s, n);
	case AST_INDEX:
		return sema_check_index(s, n);
	case AST_TYPE:
		sema_error(s, n->loc, "a type name cannot be used as a value here");
		return set(n, type_error(s->a));
	case AST_RANGE:
		sema_error(s, n->loc, "a range can only be used in a for loop");
		return set(n, type_error(s->a));
	default:
		sema_error(s, n->loc, "%s is not an expression", ast_kind_name(n->kind));
		return set(n, type_error(s->a));
	}
}

/* ------------------------------------------------------------ statements */

static void check_cond(struct sema *s, struct ast_node *c)
{
	struct type *t = sema_check_expr(s, c);
	if (!is_err(t) && !is_int(t) && !is_ptr(t))
		sema_error(s, c->loc, "a condition must be an integer or a boolean, not %s",
			   type_name(s->a, t));
}

static void check_assign(struct sema *s, struct ast_node *n)
{
	struct ast_node *l = n->lhs, *r = n->rhs;
	bool agg = r->kind == AST_CALL && !n->op && stdlib_find(r->name, SL_AGG) &&
		   !stdlib_find(r->name, SL_FUNC);
	if (agg) {
		if (l->kind != AST_MAP) {
			sema_error(s, r->loc, "%s() must be assigned to a map, e.g. @x = %s(...)",
				   r->name, r->name);
			return;
		}
		struct type *t = check_call(s, r);
		check_map(s, l);
		if (t && t->kind != TY_NONE)
			sema_map_set_value(s, l->map, t, r->loc);
		set(l, l->map->value);
		return;
	}
	struct type *t = sema_check_expr(s, r);
	if (record_uncopyable(s, r->loc, t))
		t = type_error(s->a);
	if (t && t->kind == TY_VOID) {
		sema_error(s, r->loc, "%s() does not return a value", r->name ? r->name : "this");
		return;
	}
	if (n->op && !is_err(t) && !is_int(t)) {
		sema_error(s, n->loc, "%s= needs an integer value, not %s", ast_op_str(n->op),
			   type_name(s->a, t));
		return;
	}
	if (n->op) {
		int64_t v;
		if ((n->op == OP_DIV || n->op == OP_MOD) && sema_const_int(s, r, &v) && v == 0)
			sema_error(s, r->loc, "division by zero");
	}
	switch (l->kind) {
	case AST_VAR:
		if (n->op) {
			struct sema_var *v = var_find(s, l->name);
			if (!v) {
				sema_error(s, l->loc, "variable $%s is used before it is assigned",
					   l->name);
				return;
			}
			l->var = v;
			set(l, v->type);
			if (!is_err(v->type) && !is_int(v->type))
				sema_error(s, n->loc, "%s= needs an integer variable, $%s is %s",
					   ast_op_str(n->op), l->name, type_name(s->a, v->type));
			return;
		}
		var_assign(s, l, t);
		set(l, l->var->type);
		return;
	case AST_MAP:
		check_map(s, l);
		if (n->op)
			t = type_int(s->a, 8, true);

		/* an erroneous value still marks the map assigned: one error, not two */
		if (t && t->kind != TY_NONE)
			sema_map_set_value(s, l->map, t, r->loc);
		set(l, l->map->value);
		return;
	default:
		sema_error(s, l->loc, "only variables and maps can be assigned to");
		return;
	}
}

/* ------------------------------------------------------- for over a map */

struct for_walk {
	struct sema *s;
	struct sema_var **outer;	/* variables visible before the loop */
	int nouter;
	struct sema_var **found;
	int nfound;
};

static bool for_capture(struct ast_node *n, void *ctx)
{
	struct for_walk *w = ctx;
	if (n->kind == AST_RETURN)
		sema_error(w->s, n->loc, "return is not allowed in a for loop over a map");
	if ((n->kind != AST_VAR && n->kind != AST_LET && n->kind != AST_FOR) || !n->var)
		return true;
	for (int i = 0; i < w->nfound; i++)
		if (w->found[i] == n->var)
			return true;
	for (int i = 0; i < w->nouter; i++)
		if (w->outer[i] == n->var) {
			w->found[w->nfound++] = n->var;
			break;
		}
	return true;
}

/* The value a map holds as the loop sees it: aggregations of one number
 * are that number (summed or combined over the CPUs). */
static struct type *for_map_value(struct sema *s, struct ast_node *n, struct sema_map *m)
{
	struct type *v = m->value;
	if (!v || v->kind != TY_AGG)
		return v;
	switch (v->agg) {
	case AGG_COUNT:
		return type_int(s->a, 8, false);
	case AGG_SUM:
	case AGG_MIN:
	case AGG_MAX:
		return type_int(s->a, 8, v->agg_signed);
	default:
		sema_error(s, n->rhs->loc, "a for loop cannot iterate over %s: its values are %s "
			   "aggregations, not single numbers", m->name, agg_name(v->agg));
		return type_error(s->a);
	}
}

/* for ($kv : @m): the body runs once per element, in a callback of
 * bpf_for_each_map_elem, with $kv = (key, value).  Variables of the probe
 * it uses are shared with it; variables it makes end with it. */
static void check_for_map(struct sema *s, struct ast_node *n)
{
	struct ast_node *r = n->rhs;
	if (var_find(s, n->name)) {
		sema_error(s, n->loc, "the loop variable $%s shadows a variable of the same name",
			   n->name);
		return;
	}
	if (r->list.len) {
		sema_error(s, r->loc, "a for loop iterates over a whole map, without a key: for ($%s : @%s)",
			   n->name, r->name);
		return;
	}
	struct sema_map *m = sema_map_get(s, r);
	r->map = m;
	struct type *val = for_map_value(s, n, m);
	set(r, m->value ? m->value : type_new(s->a, TY_NONE));
	if (val && val->kind == TY_ERROR)
		return;
	if (s->final && m->value && !m->key) {
		sema_error(s, r->loc, "a for loop needs a map with keys to iterate over; %s has none",
			   m->name);
		return;
	}
	struct type *kv = type_new(s->a, TY_NONE);
	if (m->key && val && val->kind != TY_NONE) {
		struct type *f[2] = {m->key, sema_storage_type(s->a, val)};
		kv = type_tuple(s->a, f, 2);
	}
	int nouter = s->nvars;
	struct sema_var **outer = s->vars;
	struct ast_node var = {.kind = AST_VAR, .loc = n->loc, .name = n->name, .var = n->var};
	var_assign(s, &var, kv);
	n->var = var.var;
	s->loop_depth++;
	check_block(s, n->body);
	s->loop_depth--;
	/* the loop variable and what the body made are the loop's own */
	s->nvars = nouter;

	struct for_walk w = {.s = s, .outer = outer, .nouter = nouter};
	w.found = arena_alloc(s->a, sizeof(*w.found) * (nouter ? nouter : 1));
	ast_walk(n->body, for_capture, &w);
	struct ast_for_captures *c = arena_alloc(s->a, sizeof(*c));
	c->vars = w.found;
	c->n = w.nfound;
	n->extra = c;
}

/* for ($i : lo..hi): $i an integer from lo up to hi, hi excluded. */
static void check_for(struct sema *s, struct ast_node *n)
{
	struct ast_node *r = n->rhs;
	if (r->kind == AST_MAP) {
		check_for_map(s, n);
		return;
	}
	if (r->kind != AST_RANGE) {
		sema_check_expr(s, r);
		sema_error(s, r->loc, "a for loop iterates over a map or a range: for ($%s : @m) "
			   "or for ($%s : 0..10)", n->name, n->name);
		return;
	}
	struct type *lo = sema_check_expr(s, r->lhs), *hi = sema_check_expr(s, r->rhs);
	if ((!is_err(lo) && !is_int(lo)) || (!is_err(hi) && !is_int(hi))) {
		sema_error(s, r->loc, "a range needs integer bounds, not %s and %s",
			   type_name(s->a, lo), type_name(s->a, hi));
		return;
	}
	struct ast_node var = {.kind = AST_VAR, .loc = n->loc, .name = n->name, .var = n->var};
	var_assign(s, &var, type_int(s->a, 8, true));
	n->var = var.var;
	s->loop_depth++;
	check_block(s, n->body);
	s->loop_depth--;
}

static void check_block(struct sema *s, struct ast_node *b)
{
	for (int i = 0; b && i < b->list.len; i++)
		check_stmt(s, b->list.items[i]);
}

void sema_check_block(struct sema *s, struct ast_node *b)
{
	check_block(s, b);
}

static struct type *check_stmt(struct sema *s, struct ast_node *n)
{
	switch (n->kind) {
	case AST_EXPR_STMT: {
		struct ast_node *e = n->lhs;
		if (e->kind == AST_CALL && stdlib_find(e->name, SL_AGG) && !stdlib_find(e->name, SL_FUNC)) {
			sema_error(s, e->loc, "%s() must be assigned to a map, e.g. @x = %s(...)",
				   e->name, e->name);
			return NULL;
		}
		sema_check_expr(s, e);
		return NULL;
	}
	case AST_ASSIGN:
		check_assign(s, n);
		return NULL;
	case AST_LET:
		if (n->rhs && !n->typespec.name) {
			struct type *t = sema_check_expr(s, n->rhs);
			if (record_uncopyable(s, n->rhs->loc, t))
				t = type_error(s->a);
			struct ast_node tmp = *n;
			tmp.kind = AST_VAR;
			var_assign(s, &tmp, t);
			n->var = tmp.var;
			return NULL;
		}
		sema_unsupported(s, n->loc, "let with a type");
		return NULL;
	case AST_IF:
		check_cond(s, n->cond);
		check_block(s, n->then);
		if (n->otherwise) {
			if (n->otherwise->kind == AST_IF)
				check_stmt(s, n->otherwise);
			else
				check_block(s, n->otherwise);
		}
		return NULL;
	case AST_BLOCK:
		check_block(s, n);
		return NULL;
	case AST_RETURN:
		if (n->lhs)
			sema_unsupported(s, n->loc, "return with a value");
		return NULL;
	case AST_WHILE:
		check_cond(s, n->cond);
		s->loop_depth++;
		check_block(s, n->body);
		s->loop_depth--;
		return NULL;
	case AST_FOR:
		check_for(s, n);
		return NULL;
	case AST_UNROLL: {
		int64_t k;
		if (!sema_const_int(s, n->cond, &k) || k < 1 || k > 100)
			sema_error(s, n->cond->loc, "unroll needs a constant count from 1 to 100");
		else
			n->ival = (uint64_t)k;
		check_block(s, n->body);
		return NULL;
	}
	case AST_BREAK:
	case AST_CONTINUE:
		if (!s->loop_depth)
			sema_error(s, n->loc, "%s outside a while or for loop",
				   n->kind == AST_BREAK ? "break" : "continue");
		return NULL;
	default:
		sema_error(s, n->loc, "%s is not a statement", ast_kind_name(n->kind));
		return NULL;
	}
}

void sema_check_probes(struct sema *s)
{
	/* keyed/unkeyed use is judged afresh in each pass, so the final pass
	 * reports a conflict once, where the second kind of use appears */
	for (int i = 0; i < s->sp->nmaps; i++)
		s->sp->maps[i]->keyed_used = s->sp->maps[i]->unkeyed_used = false;
	for (int i = 0; i < s->sp->nprogs; i++) {
		struct sema_prog *p = s->sp->progs[i];
		if (p->setup_event)
			continue; /* a hidden program, no body of the script's */
		/* Each program checks its probe's body in its own context; a
		 * probe compiled into several programs is checked once per
		 * context, and its variables start afresh each time. */
		s->prog = p;
		s->vars = NULL;
		s->nvars = 0;
		if (p->probe->pred)
			check_cond(s, p->probe->pred);
		check_block(s, p->probe->body);
	}
	s->prog = NULL;
}
