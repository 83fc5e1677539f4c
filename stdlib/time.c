/* Wall-clock time: time(fmt) prints the time at which the runtime handles
 * the event; strftime(fmt, ns) keeps a timestamp that is formatted when
 * printed.  Both with strftime(3) formats, plus bpftrace's %f
 * (microseconds, six digits). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegen/codegen.h"
#include "runtime/runtime.h"
#include "stdlib/entries.h"
#include "stdlib/special.h"

static const char *format_arg(struct sema *s, struct ast_node *n, int i)
{
	struct ast_node *f = n->list.items[i];
	if (f->kind != AST_STR) {
		sema_check_expr(s, f);
		sema_error(s, f->loc, "%s() needs a string literal as its format", n->name);
		return NULL;
	}
	return f->str;
}

/* fmt with %f replaced by the microseconds, then strftime. */
size_t time_format(char *out, size_t size, const char *fmt, time_t sec, long nsec)
{
	char f2[512], us[24];
	snprintf(us, sizeof(us), "%06ld", nsec / 1000);
	size_t k = 0;
	for (size_t i = 0; fmt[i] && k + 8 < sizeof(f2); i++) {
		if (fmt[i] == '%' && fmt[i + 1] == 'f') {
			memcpy(f2 + k, us, 6);
			k += 6;
			i++;
		} else if (fmt[i] == '%' && fmt[i + 1]) {
			f2[k++] = fmt[i++];
			f2[k++] = fmt[i];
		} else {
			f2[k++] = fmt[i];
		}
	}
	f2[k] = 0;
	struct tm tm;
	if (!localtime_r(&sec, &tm))
		return 0;
	return strftime(out, size, f2, &tm);
}

/* ------------------------------------------------------------------ time */

static struct type *time_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	const char *fmt = "%H:%M:%S\n";
	if (n->kind == AST_CALL && n->list.len && !(fmt = format_arg(s, n, 0)))
		return type_error(a);
	struct sema_event *ev = sema_add_event(s, &sl_time, n);
	ev->fmt = fmt;
	ev->args = type_tuple(a, NULL, 0);
	return type_void(a);
}

static LLVMValueRef time_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	cg_event_send(cg, n->extra, NULL, 0);
	return NULL;
}

static void time_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
		       size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char buf[1024];
	size_t k = time_format(buf, sizeof(buf), ev->fmt, ts.tv_sec, ts.tv_nsec);
	fwrite(buf, 1, k, rt->out.out);
}

const struct stdlib_fn sl_time = {
	.name = "time", .kind = SL_FUNC, .min_args = 0, .max_args = 1,
	.check = time_check, .emit = time_emit, .print = time_print,
};

/* -------------------------------------------------------------- strftime */

static struct type *strftime_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	const char *fmt = format_arg(s, n, 0);
	struct type *t = sema_check_expr(s, n->list.items[1]);
	if (!fmt || !t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT) {
		sema_error(s, n->list.items[1]->loc, "strftime() needs nanoseconds (an integer), not %s",
			   type_name(a, t));
		return type_error(a);
	}
	struct type *ts = type_special(a, SP_TIMESTAMP, 8);
	ts->name = fmt;
	return ts;
}

LLVMValueRef stdlib_emit_u64(struct codegen *cg, struct ast_node *e, const char *name)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= 8 ? cg->dst : cg_buffer(cg, 8, name);
	cg->dst = NULL;
	cg_store_int(cg, cg_expr(cg, e), buf, 8);
	return buf;
}

static LLVMValueRef strftime_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return stdlib_emit_u64(cg, n->list.items[1], "ts");
}

const struct stdlib_fn sl_strftime = {
	.name = "strftime", .kind = SL_FUNC, .min_args = 2, .max_args = 2,
	.check = strftime_check, .emit = strftime_emit,
};
