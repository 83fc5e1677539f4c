/* debugf(fmt, args...): a line to the kernel's trace buffer (read it from
 * /sys/kernel/tracing/trace_pipe) with bpf_trace_printk, or with
 * bpf_trace_vprintk (kernel 5.16) past three arguments.  For debugging:
 * slow, and the kernel logs a notice the first time.  Integers are 64-bit
 * in the language, so %d, %u, %x, %X and %i are passed on as %lld, ... */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

#define DEBUGF_MAX_ARGS 12	/* bpf_trace_vprintk's limit (MAX_BPRINTF_VARARGS) */

/* The kernel's format with ll added to integer conversions; NULL with
 * *err set when fmt is not one the kernel takes.  kinds[i] is 's' for a
 * string argument, 'i' for an integer. */
static char *debugf_format(struct arena *a, const char *fmt, char *kinds, int *nargs,
			   const char **err)
{
	size_t len = strlen(fmt);
	char *out = arena_alloc(a, 3 * len + 1);
	size_t o = 0;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		out[o++] = fmt[i];
		if (fmt[i] != '%')
			continue;
		if (fmt[i + 1] == '%') {
			out[o++] = fmt[++i];
			continue;
		}
		i++;
		while (fmt[i] && strchr("-+ #0", fmt[i]))
			out[o++] = fmt[i++];
		while (fmt[i] >= '0' && fmt[i] <= '9')
			out[o++] = fmt[i++];
		if (fmt[i] == '.') {
			out[o++] = fmt[i++];
			while (fmt[i] >= '0' && fmt[i] <= '9')
				out[o++] = fmt[i++];
		}
		while (fmt[i] == 'l' || fmt[i] == 'h')
			i++;	/* the width is the argument's: 64 bits */
		char c = fmt[i];
		if (!c) {
			*err = "the format ends in the middle of a conversion";
			return NULL;
		}
		if (n == DEBUGF_MAX_ARGS) {
			*err = "debugf() takes at most 12 arguments after the format";
			return NULL;
		}
		if (strchr("diuxX", c)) {
			out[o++] = 'l';
			out[o++] = 'l';
			kinds[n++] = 'i';
		} else if (c == 'c' || c == 'p') {
			kinds[n++] = 'i';
		} else if (c == 's') {
			kinds[n++] = 's';
		} else {
			*err = "the conversions it takes are %d %i %u %x %X %c %p %s";
			return NULL;
		}
		out[o++] = c;
	}
	out[o] = 0;
	*nargs = n;
	return out;
}

static struct type *debugf_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *f = n->list.items[0];
	if (f->kind != AST_STR) {
		struct type *t = sema_check_expr(s, f);
		if (t && t->kind != TY_ERROR)
			sema_error(s, f->loc, "debugf() needs a string literal as its format");
		return type_error(a);
	}
	char kinds[DEBUGF_MAX_ARGS];
	int nspec = 0;
	const char *err = NULL;
	char *kfmt = debugf_format(a, f->str, kinds, &nspec, &err);
	if (!kfmt) {
		sema_error(s, f->loc, "debugf: %s", err);
		return type_error(a);
	}
	int nargs = n->list.len - 1;
	if (nargs != nspec) {
		sema_error(s, nargs > nspec ? n->list.items[nspec + 1]->loc : n->loc,
			   "debugf: the format has %d conversion%s but %d argument%s follow%s", nspec,
			   nspec == 1 ? "" : "s", nargs, nargs == 1 ? "" : "s", nargs == 1 ? "s" : "");
		return type_error(a);
	}
	bool ok = true;
	for (int i = 0; i < nargs; i++) {
		struct ast_node *e = n->list.items[i + 1];
		struct type *t = sema_check_expr(s, e);
		if (!t || t->kind == TY_ERROR || t->kind == TY_NONE) {
			ok = false;
			continue;
		}
		bool is_int = t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PTR;
		if (kinds[i] == 's' ? t->kind != TY_STRING : !is_int) {
			sema_error(s, e->loc, "debugf: argument %d is %s, the format wants %s", i + 1,
				   type_name(a, t), kinds[i] == 's' ? "a string" : "an integer");
			ok = false;
		}
	}
	if (!ok)
		return type_error(a);
	n->extra = kfmt;
	return type_void(a);
}

static LLVMValueRef debugf_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const char *kfmt = n->extra;
	struct ast_node lit = {.kind = AST_STR, .loc = n->loc, .str = (char *)kfmt,
			       .str_len = strlen(kfmt)};
	lit.type = type_string(cg->arena, (uint32_t)lit.str_len + 1);
	LLVMValueRef fmt = cg_expr(cg, &lit);
	int nargs = n->list.len - 1;
	LLVMValueRef vals[DEBUGF_MAX_ARGS];
	for (int i = 0; i < nargs; i++) {
		struct ast_node *e = n->list.items[i + 1];
		LLVMValueRef v = cg_expr(cg, e);
		/* strings go by address: the kernel reads them */
		vals[i] = e->type->kind == TY_STRING ? LLVMBuildPtrToInt(cg->b, v, cg->i64, "") : v;
	}
	LLVMValueRef size = LLVMConstInt(cg->i32, lit.str_len + 1, 0);
	if (nargs <= 3) {
		LLVMValueRef args[5] = {fmt, size, cg_const(cg, 0), cg_const(cg, 0), cg_const(cg, 0)};
		for (int i = 0; i < nargs; i++)
			args[2 + i] = vals[i];
		cg_helper(cg, BPF_FUNC_trace_printk, cg->i64, args, 2 + nargs);
		return NULL;
	}
	LLVMValueRef data = cg_alloca(cg, LLVMArrayType2(cg->i64, (uint64_t)nargs), "debugf_args");
	for (int i = 0; i < nargs; i++)
		LLVMBuildStore(cg->b, vals[i], cg_gep(cg, data, 8u * i));
	LLVMValueRef args[] = {fmt, size, data, LLVMConstInt(cg->i32, 8u * nargs, 0)};
	cg_helper(cg, BPF_FUNC_trace_vprintk, cg->i64, args, 4);
	return NULL;
}

const struct stdlib_fn sl_debugf = {
	.name = "debugf", .kind = SL_FUNC, .min_args = 1, .max_args = 1 + DEBUGF_MAX_ARGS,
	.check = debugf_check, .emit = debugf_emit,
};
