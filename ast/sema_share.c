/* Which attach points of one probe can share one compiled program.
 *
 * The provider says whether two attach points' contexts agree apart from
 * args (same_context with uses_args false).  When the probe reads args,
 * they must agree too, but only as far as the probe reads them: a body
 * that reads args.__syscall_nr alone can share one program over every
 * sys_enter_* tracepoint, whose other fields all differ.  Only a probe that
 * uses args as a whole (print(args), a variable holding it) or argN where
 * argN is args needs the provider's full comparison. */
#include <string.h>

#include "ast/sema_internal.h"
#include "ast/sema_share.h"

static bool find_args(struct ast_node *n, void *ctx)
{
	struct args_use *u = ctx;
	if (n->kind == AST_FIELD && n->lhs && n->lhs->kind == AST_IDENT &&
	    !strcmp(n->lhs->name, "args")) {
		for (int i = 0; i < u->nnames; i++)
			if (!strcmp(u->names[i], n->name))
				return false;
		if (u->nnames < ARGS_USE_NAMES)
			u->names[u->nnames++] = n->name;
		else
			u->whole = true;
		return false;	/* not args as a whole */
	}
	if (n->kind == AST_IDENT && !strcmp(n->name, "args"))
		u->whole = true;
	if (n->kind == AST_IDENT && !strncmp(n->name, "arg", 3) && n->name[3] >= '0' &&
	    n->name[3] <= '9' && strspn(n->name + 3, "0123456789") == strlen(n->name + 3))
		u->argn = true;
	return true;
}

struct args_use sema_args_use(struct ast_node *probe)
{
	struct args_use u = {0};
	if (probe->pred)
		ast_walk(probe->pred, find_args, &u);
	if (probe->body)
		ast_walk(probe->body, find_args, &u);
	return u;
}

/* The fields have been loaded (false: they cannot be, and it was said). */
static bool args_loaded(struct sema *s, struct attach_point *ap, const struct ctx_field **f,
			int *n)
{
	*n = attach_point_fields(ap, s->a, s->d, true, f);
	return *n >= 0;
}

/* The fields the probe reads are read the same way at both attach points
 * (a field neither has is the type check's to report, once per program). */
static bool read_fields_agree(struct sema *s, const struct args_use *u, struct attach_point *x,
			      struct attach_point *y)
{
	const struct ctx_field *fx, *fy;
	int nx, ny;
	if (!args_loaded(s, x, &fx, &nx) || !args_loaded(s, y, &fy, &ny))
		return false;
	for (int i = 0; i < u->nnames; i++) {
		const struct ctx_field *a = ctx_field_find(fx, nx, u->names[i], false);
		const struct ctx_field *b = ctx_field_find(fy, ny, u->names[i], false);
		if (!a && !b)
			continue;
		if (!a || !b || a->offset != b->offset || a->data_loc != b->data_loc ||
		    a->read != b->read || a->disp != b->disp || !type_equal(a->type, b->type))
			return false;
	}
	return true;
}

bool sema_can_share(struct sema *s, const struct args_use *u, struct attach_point *first,
		    struct attach_point *ap)
{
	const struct probe_provider *p = ap->provider;
	if (!p->same_context)
		return !p->run_by_runtime;
	if (u->whole || (u->argn && p->argn_is_args)) {
		const struct ctx_field *f;
		int n;
		return args_loaded(s, first, &f, &n) && args_loaded(s, ap, &f, &n) &&
		       p->same_context(first, ap, true);
	}
	if (!p->same_context(first, ap, false))
		return false;
	return !u->nnames || read_fields_agree(s, u, first, ap);
}
