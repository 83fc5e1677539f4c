/* unwatch(addr) and the event of watchpoint:FUNC+argN's hidden program:
 * both reach the watchpoint probes in the runtime, which open or close
 * hardware breakpoints as the traced process runs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codegen/codegen.h"
#include "runtime/probes/probe.h"
#include "runtime/runtime.h"
#include "stdlib/entries.h"

/* ------------------------------------------------------------ probe setup */

/* The hidden program reported a value (the address FUNC got) for the
 * attach point of this index: its provider acts on it. */
static void setup_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			size_t len)
{
	(void)ev;
	uint64_t index, value;
	if (len < 16)
		return;
	memcpy(&index, data, 8);
	memcpy(&value, data + 8, 8);
	for (int i = 0; i < rt->nprobes; i++) {
		struct loaded_probe *lp = &rt->probes[i];
		if (lp->setup || (uint64_t)lp->ap->index != index || !lp->ap->provider->setup_report)
			continue;
		int err = lp->ap->provider->setup_report(lp, value);
		struct probe_setup ps;
		if (lp->ap->provider->setup(lp->ap, &ps) && ps.stop && probe_target_pid(lp) > 0)
			runtime_resume_later(rt, probe_target_pid(lp));
		/* bpftrace says so in its output and goes on */
		if (err == -ENOSPC)
			output_message(&rt->out, "lost_events", "Failed to attach watchpoint probe. "
					     "You are out of watchpoint registers.");
		else if (err)
			runtime_request_exit(rt, 1);
		return;
	}
}

/* Not in the table: no script calls it, sema makes its events. */
const struct stdlib_fn sl_probe_setup = {
	.name = "probe setup", .kind = SL_FUNC, .print = setup_print,
};

/* ---------------------------------------------------------------- unwatch */

static struct type *unwatch_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *arg = n->list.items[0];
	struct type *t = sema_check_expr(s, arg);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		sema_error(s, arg->loc, "unwatch() needs an address (an integer or a pointer), not %s",
			   type_name(a, t));
		return type_error(a);
	}
	sema_add_event(s, &sl_unwatch, n);
	return type_void(a);
}

static LLVMValueRef unwatch_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	(void)t;
	LLVMValueRef addr = cg_expr(cg, n->list.items[0]);
	if (LLVMGetTypeKind(LLVMTypeOf(addr)) == LLVMPointerTypeKind)
		addr = LLVMBuildPtrToInt(cg->b, addr, cg->i64, "addr");
	LLVMValueRef rec = cg_event_reserve(cg, n->extra, 16);
	LLVMBuildStore(cg->b, addr, cg_gep(cg, rec, 8));
	cg_event_submit(cg, rec);
	return NULL;
}

/* Every watchpoint probe stops watching the address, as in bpftrace; one
 * that does not watch it ignores it (a script may unwatch freely). */
static void unwatch_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			  size_t len)
{
	(void)ev;
	uint64_t addr;
	if (len < 8)
		return;
	memcpy(&addr, data, 8);
	for (int i = 0; i < rt->nprobes; i++) {
		struct loaded_probe *lp = &rt->probes[i];
		if (!lp->setup && lp->ap->provider->unwatch)
			lp->ap->provider->unwatch(lp, addr);
	}
}

const struct stdlib_fn sl_unwatch = {
	.name = "unwatch", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = unwatch_check, .emit = unwatch_emit, .print = unwatch_print,
};
