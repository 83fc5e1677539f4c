/* printf, print, exit, clear, zero, delete: asynchronous events sent to the
 * runtime through the ring buffer (delete works in the kernel). */
#include <string.h>

#include "codegen/btf_maps.h"
#include "codegen/codegen.h"
#include "runtime/runtime.h"
#include "stdlib/entries.h"
#include "stdlib/format.h"

/* records: whole structs may be printed (print(*p)), not formatted */
static struct type *event_args(struct sema *s, struct ast_node **args, int n, struct type ***out,
			       bool records)
{
	struct arena *a = sema_arena(s);
	struct type **f = arena_alloc(a, sizeof(*f) * (n + 1));
	for (int i = 0; i < n; i++) {
		struct type *t = sema_check_expr(s, args[i]);
		if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
			return NULL;
		if (t->kind == TY_VOID || t->kind == TY_AGG) {
			sema_error(s, args[i]->loc, "this argument has no value to print");
			return NULL;
		}
		if (t->kind == TY_RECORD && (!records || (t->btf_id <= 0 && !t->names))) {
			sema_error(s, args[i]->loc, records ? "%s cannot be printed whole: only structs "
				   "and unions of kernel BTF can; print its fields"
				   : "%s cannot be formatted; print its fields, or print() it whole",
				   t->name ? t->name : "a struct");
			return NULL;
		}
		f[i] = sema_storage_type(a, t);
		if (t->kind == TY_INT && t->btf_id > 0 && f[i]->btf_id != t->btf_id) {
			/* an enum keeps its type, for printf's %s */
			struct type *e = type_int(a, f[i]->size, f[i]->is_signed);
			e->btf_id = t->btf_id;
			f[i] = e;
		}
	}
	if (out)
		*out = f;
	return type_tuple(a, f, n);
}

/* ---------------------------------------------------------------- printf */

struct sema_event *stdlib_format_event(struct sema *s, struct ast_node *n,
				      const struct stdlib_fn *fn)
{
	struct ast_node *fmt = n->list.items[0];
	if (fmt->kind != AST_STR) {
		sema_check_expr(s, fmt);
		sema_error(s, fmt->loc, "%s() needs a string literal as its format", n->name);
		return NULL;
	}
	struct type **f;
	struct type *args = event_args(s, n->list.items + 1, n->list.len - 1, &f, false);
	if (!args)
		return NULL;
	const char *err;
	int err_arg;
	if (fmt_check(fmt->str, f, n->list.len - 1, &err, &err_arg) < 0) {
		struct src_loc loc = err_arg >= 0 && err_arg + 1 < n->list.len
					     ? n->list.items[err_arg + 1]->loc
				     : err_arg == -2 ? n->loc : fmt->loc;
		sema_error(s, loc, "%s: %s", n->name, err);
		return NULL;
	}
	struct sema_event *ev = sema_add_event(s, fn, n);
	ev->fmt = fmt->str;
	ev->args = args;
	return ev;
}

static struct type *printf_check(struct sema *s, struct ast_node *n)
{
	if (!stdlib_format_event(s, n, &sl_printf))
		return type_error(sema_arena(s));
	return type_void(sema_arena(s));
}

static LLVMValueRef printf_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	cg_event_send(cg, n->extra, n->list.items + 1, n->list.len - 1);
	return NULL;
}

static void printf_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			 size_t len)
{
	fmt_print(&rt->out, ev->fmt, ev->args, data);
}

const struct stdlib_fn sl_printf = {
	.name = "printf", .kind = SL_FUNC, .min_args = 1, .max_args = 65,
	.check = printf_check, .emit = printf_emit, .print = printf_print,
};

/* ------------------------------------------------------------------ exit */

static struct type *exit_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *args = event_args(s, n->list.items, n->list.len, NULL, false);
	if (!args)
		return type_error(a);
	if (n->list.len && args->fields[0]->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc, "exit() takes an integer exit code");
		return type_error(a);
	}
	struct sema_event *ev = sema_add_event(s, &sl_exit, n);
	ev->args = args;
	return type_void(a);
}

static LLVMValueRef exit_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	/* The request also goes into a global the runtime polls: an event
	 * can be lost to a full ring buffer, an exit must not be. */
	LLVMValueRef code = n->list.len ? cg_expr(cg, n->list.items[0]) : cg_const(cg, 0);
	LLVMValueRef flag = LLVMBuildOr(cg->b, cg_const(cg, 1ull << 32),
					LLVMBuildAnd(cg->b, code, cg_const(cg, 0xffffffffu), ""), "exit");
	LLVMValueRef slot = cg_global_slot(cg, SONDE_GLOBAL_EXIT);
	cg_if_nonnull(cg, slot);
	LLVMBuildStore(cg->b, flag, slot);
	cg_end_if(cg);
	cg_event_send(cg, n->extra, n->list.items, n->list.len);
	/* Like bpftrace, nothing after exit() runs in this probe. */
	cg_exit_probe(cg);
	return NULL;
}

static void exit_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
		       size_t len)
{
	int64_t code = 0;
	if (ev->args->nfields)
		memcpy(&code, data, 8);
	runtime_request_exit(rt, (int)code);
}

const struct stdlib_fn sl_exit = {
	.name = "exit", .kind = SL_FUNC, .min_args = 0, .max_args = 1,
	.check = exit_check, .emit = exit_emit, .print = exit_print,
};

/* ------------------------------------------------- print, clear and zero */

/* The first argument of print/clear/zero names a whole map. */
static struct sema_map *whole_map(struct sema *s, struct ast_node *call, struct ast_node *m)
{
	if (m->kind != AST_MAP || m->list.len) {
		sema_error(s, m->loc, "%s() needs a map without a key, e.g. %s(@x)", call->name,
			   call->name);
		return NULL;
	}
	return sema_map_get(s, m);
}

static struct type *print_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *arg = n->list.items[0];
	if (arg->kind != AST_MAP || arg->list.len) {
		/* print(value) */
		if (n->list.len > 1) {
			sema_error(s, n->loc, "print() of a value takes one argument");
			return type_error(a);
		}
		struct type *args = event_args(s, n->list.items, 1, NULL, true);
		if (!args)
			return type_error(a);
		struct sema_event *ev = sema_add_event(s, &sl_print, n);
		ev->args = args;
		return type_void(a);
	}
	struct sema_map *m = whole_map(s, n, arg);
	if (!m)
		return type_error(a);
	int64_t consts[2] = {0, 0};
	for (int i = 1; i < n->list.len; i++) {
		int64_t v;
		if (!sema_const_int(s, n->list.items[i], &v) || v < 0) {
			sema_error(s, n->list.items[i]->loc,
				   "print(): %s must be a non-negative integer constant",
				   i == 1 ? "top" : "div");
			return type_error(a);
		}
		consts[i - 1] = v;
	}
	struct sema_event *ev = sema_add_event(s, &sl_print, n);
	ev->consts[0] = consts[0];
	ev->consts[1] = consts[1];
	ev->map = m;
	ev->args = type_tuple(a, NULL, 0);
	return type_void(a);
}

static LLVMValueRef map_event_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct sema_event *ev = n->extra;
	if (ev->map)
		cg_event_send(cg, ev, NULL, 0);
	else
		cg_event_send(cg, ev, n->list.items, n->list.len);
	return NULL;
}

static void print_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			size_t len)
{
	if (!ev->map) {
		value_print(&rt->out, ev->args->fields[0], data);
		fputc('\n', rt->out.out);
		return;
	}
	runtime_print_map(rt, ev->map, (uint32_t)ev->consts[0], (uint64_t)ev->consts[1]);
}

const struct stdlib_fn sl_print = {
	.name = "print", .kind = SL_FUNC, .min_args = 1, .max_args = 3,
	.check = print_check, .emit = map_event_emit, .print = print_print,
};

static struct type *clear_check(struct sema *s, struct ast_node *n)
{
	struct sema_map *m = whole_map(s, n, n->list.items[0]);
	if (!m)
		return type_error(sema_arena(s));
	struct sema_event *ev = sema_add_event(s, n->fn, n);
	ev->map = m;
	ev->args = type_tuple(sema_arena(s), NULL, 0);
	return type_void(sema_arena(s));
}

static void clear_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			size_t len)
{
	runtime_clear_map(rt, ev->map, ev->fn == &sl_zero);
}

const struct stdlib_fn sl_clear = {
	.name = "clear", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = clear_check, .emit = map_event_emit, .print = clear_print,
};

const struct stdlib_fn sl_zero = {
	.name = "zero", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = clear_check, .emit = map_event_emit, .print = clear_print,
};

/* ---------------------------------------------------------------- delete */

static struct type *delete_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *m = n->list.items[0];
	if (m->kind != AST_MAP) {
		sema_error(s, m->loc, "delete() needs a map element, e.g. delete(@x[key])");
		return type_error(a);
	}
	if (n->list.len == 2) {
		/* delete(@m, key): the newer spelling */
		if (m->list.len) {
			sema_error(s, m->loc, "delete(@map, key) takes the map without a key");
			return type_error(a);
		}
		ast_list_push(a, &m->list, n->list.items[1]);
		n->list.len = 1;
	}
	/* the element, not its value: an aggregation's element is deleted too */
	struct type *t = sema_check_map_keys(s, m);
	if (t->kind == TY_ERROR)
		return t;
	if (m->map && agg_bucket_count(m->map->value) > 0) {	/* hist, lhist, tseries */
		sema_unsupported(s, n->loc, "delete() on a hist, lhist or tseries map");
		return type_error(a);
	}
	if (m->map)
		m->map->deleted = true;
	return type_void(a);
}

static LLVMValueRef delete_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *m = n->list.items[0];
	LLVMValueRef map = cg_map_global(cg, m->map);
	LLVMValueRef key = cg_map_key(cg, m, 0);
	LLVMValueRef args[] = {map, key};
	cg_helper(cg, BPF_FUNC_map_delete_elem, cg->i64, args, 2);
	return NULL;
}

const struct stdlib_fn sl_delete = {
	.name = "delete", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = delete_check, .emit = delete_emit,
};

/* --------------------------------------------------------- errorf, warnf */

/* printf to stderr, prefixed with where the call is, as a diagnostic:
 * "file:line:col: error: text". */
static struct type *errorf_check(struct sema *s, struct ast_node *n)
{
	struct sema_event *ev = stdlib_format_event(s, n, n->fn);
	if (!ev)
		return type_error(sema_arena(s));
	{
		/* the prefix joins the checked format; a '%' in the file name
		 * is doubled */
		const char *name = sema_source_name(s);
		char esc[256];
		size_t k = 0;
		for (size_t i = 0; name[i] && k + 2 < sizeof(esc); i++) {
			if (name[i] == '%')
				esc[k++] = '%';
			esc[k++] = name[i];
		}
		esc[k] = 0;
		ev->fmt = arena_printf(sema_arena(s), "%s:%d:%d: %s: %s\n", esc, n->loc.line, n->loc.col,
				       n->fn == &sl_errorf ? "error" : "warning", n->list.items[0]->str);
	}
	return type_void(sema_arena(s));
}

static void errorf_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			 size_t len)
{
	struct output o = rt->out;
	o.out = stderr;
	fflush(rt->out.out);
	fmt_print(&o, ev->fmt, ev->args, data);
}

const struct stdlib_fn sl_errorf = {
	.name = "errorf", .kind = SL_FUNC, .min_args = 1, .max_args = 65,
	.check = errorf_check, .emit = printf_emit, .print = errorf_print,
};

const struct stdlib_fn sl_warnf = {
	.name = "warnf", .kind = SL_FUNC, .min_args = 1, .max_args = 65,
	.check = errorf_check, .emit = printf_emit, .print = errorf_print,
};
