/* Text the runtime prints for an event: join(argv [, sep]) joins a NULL
 * terminated array of strings (execve's argv) read in the kernel; cat(fmt,
 * args...) prints a file's contents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "runtime/runtime.h"
#include "stdlib/entries.h"
#include "stdlib/format.h"

#define JOIN_MAX_ARGS 16

/* ------------------------------------------------------------------- join */

/* The event: id, the number of strings read, then JOIN_MAX_ARGS slots of
 * the configured string length. */
static struct type *join_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_PTR && t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc,
			   "join() needs an array of string pointers (char **), not %s", type_name(a, t));
		return type_error(a);
	}
	const char *sep = " ";
	if (n->list.len == 2) {
		struct ast_node *sp = n->list.items[1];
		if (sp->kind != AST_STR) {
			sema_check_expr(s, sp);
			sema_error(s, sp->loc, "join() needs a string literal as its separator");
			return type_error(a);
		}
		sep = sp->str;
	}
	struct sema_event *ev = sema_add_event(s, &sl_join, n);
	ev->fmt = sep;
	/* the slot size, fixed by the string length in force */
	ev->consts[0] = sema_program(s)->strlen;
	ev->consts[1] = t->kind == TY_PTR && !t->user_ptr ? 0 : 1;	/* user memory */
	ev->args = type_tuple(a, NULL, 0);
	return type_void(a);
}

static LLVMValueRef join_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct sema_event *ev = n->extra;
	uint32_t slot = (uint32_t)ev->consts[0];
	bool user = ev->consts[1];
	LLVMValueRef argv = cg_expr(cg, n->list.items[0]);
	LLVMValueRef rec = cg_event_reserve(cg, ev, 16 + JOIN_MAX_ARGS * slot);
	LLVMValueRef count = cg_gep(cg, rec, 8);
	LLVMBuildStore(cg->b, cg_const(cg, 0), count);
	LLVMValueRef ptr = cg_alloca(cg, cg->i64, "argp");
	for (int i = 0; i < JOIN_MAX_ARGS; i++) {
		/* argv[i]; a NULL ends the array */
		LLVMBuildStore(cg->b, cg_const(cg, 0), ptr);
		cg_probe_read(cg, ptr, 8, LLVMBuildAdd(cg->b, argv, cg_const(cg, 8 * (uint64_t)i), ""), user);
		LLVMValueRef p = LLVMBuildLoad2(cg->b, cg->i64, ptr, "");
		cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""));
		LLVMValueRef args[] = {cg_gep(cg, rec, 16 + (uint64_t)i * slot), LLVMConstInt(cg->i32, slot, 0),
				       LLVMBuildIntToPtr(cg->b, p, cg->ptr, "")};
		cg_helper(cg, user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str,
			  cg->i64, args, 3);
		LLVMBuildStore(cg->b, cg_const(cg, (uint64_t)i + 1), count);
	}
	for (int i = 0; i < JOIN_MAX_ARGS; i++)
		cg_end_if(cg);
	cg_event_submit(cg, rec);
	return NULL;
}

static void join_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
		       size_t len)
{
	uint64_t n, slot = (uint64_t)ev->consts[0];
	memcpy(&n, data, 8);
	FILE *f = rt->out.out;
	for (uint64_t i = 0; i < n && i < JOIN_MAX_ARGS && 8 + (i + 1) * slot <= len; i++) {
		const char *s = (const char *)data + 8 + i * slot;
		if (i)
			fputs(ev->fmt, f);
		fwrite(s, 1, strnlen(s, slot), f);
	}
	fputc('\n', f);
}

const struct stdlib_fn sl_join = {
	.name = "join", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = join_check, .emit = join_emit, .print = join_print,
};

/* -------------------------------------------------------------------- cat */

static struct type *cat_check(struct sema *s, struct ast_node *n)
{
	if (!stdlib_format_event(s, n, n->fn))
		return type_error(sema_arena(s));
	return type_void(sema_arena(s));
}

static LLVMValueRef format_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	cg_event_send(cg, n->extra, n->list.items + 1, n->list.len - 1);
	return NULL;
}

/* The formatted text of a printf-like event (malloc'd). */
char *stdlib_format_text(struct runtime *rt, const struct sema_event *ev, const uint8_t *data)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	struct output o = rt->out;
	o.out = f;
	fmt_print(&o, ev->fmt, ev->args, data);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void cat_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
		      size_t len)
{
	char *path = stdlib_format_text(rt, ev, data);
	FILE *in = path ? fopen(path, "r") : NULL;
	if (!in) {
		fprintf(stderr, "sonde: cat: cannot open %s: %s\n", path ? path : "?", strerror(errno));
		free(path);
		return;
	}
	stdlib_copy_stream(in, rt->out.out);
	fclose(in);
	free(path);
}

const struct stdlib_fn sl_cat = {
	.name = "cat", .kind = SL_FUNC, .min_args = 1, .max_args = 65,
	.check = cat_check, .emit = format_emit, .print = cat_print,
};
