/* rawtracepoint (rt): a kernel tracepoint without the perf-event layer;
 * rawtracepoint:NAME or rawtracepoint:MODULE:NAME, arguments typed from the
 * kernel's btf_trace_NAME BTF typedef, as argN and args.name. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "runtime/kernel_btf.h"

struct rt_match {
	struct probe_env *env;
	const struct ast_node *node;
	struct attach_list *out;
	int found;
};

/* The prototype of the tracepoint's arguments, whose first parameter
 * (void *__data) programs never see: the function __bpf_trace_NAME has the
 * parameter names, the typedef btf_trace_NAME only their types. */
static int rt_proto(const struct btf *btf, const char *name)
{
	char tname[256];
	snprintf(tname, sizeof(tname), "__bpf_trace_%s", name);
	int fn = btf__find_by_name_kind(btf, tname, BTF_KIND_FUNC);
	if (fn >= 0)
		return (int)btf__type_by_id(btf, (__u32)fn)->type;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	int id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return -1;
	return (int)t->type;
}

static void add(void *ctx, const char *name)
{
	struct rt_match *m = ctx;
	struct arena *a = m->env->arena;
	struct btf *btf = kernel_btf();
	int proto = rt_proto(btf, name);
	struct ctx_field *f;
	int n = proto < 0 ? -1 : kernel_btf_params(a, btf, proto, 1, &f);
	if (n < 0)
		return;
	/* argN too, as bpftrace offers them: the same slots as integers */
	struct ctx_field *g = arena_alloc(a, sizeof(*g) * (size_t)(2 * n + 1));
	memcpy(g, f, sizeof(*g) * (size_t)n);
	for (int i = 0; i < n; i++) {
		g[n + i].name = arena_printf(a, "arg%d", i);
		g[n + i].type = type_int(a, 8, false);
		g[n + i].offset = (uint32_t)(8 * i);
		g[n + i].builtin = true;
	}
	struct attach_point *ap = attach_point_new(a, &probe_rawtracepoint, m->node);
	ap->func = arena_strdup(a, name);
	ap->name = arena_printf(a, "rawtracepoint:%s", name);
	ap->fields = g;
	ap->nfields = 2 * n;
	attach_list_push(a, m->out, ap);
	m->found++;
}

static int rt_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		     int nparts, struct attach_list *out)
{
	if (nparts != 2 && nparts != 3) {
		diag_error(env->diags, node->loc,
			   "rawtracepoint needs a tracepoint name: rawtracepoint:NAME");
		return -1;
	}
	if (!kernel_btf()) {
		diag_error(env->diags, node->loc,
			   "rawtracepoint needs kernel BTF (/sys/kernel/btf/vmlinux) to type its arguments");
		return -1;
	}
	const char *name = parts[nparts - 1];
	struct rt_match m = {env, node, out, 0};
	if (strpbrk(name, "*?["))
		kernel_btf_names(BTF_KIND_TYPEDEF, "btf_trace_", name, add, &m);
	else
		add(&m, name);
	if (m.found)
		return 0;
	diag_error(env->diags, node->loc, "no raw tracepoint %s %s", strpbrk(name, "*?[") ? "matches" : "named", name);
	return -1;
}

static const char *rt_section(struct arena *a, const struct attach_point *ap)
{
	return "raw_tp";
}

static bool rt_same_context(const struct attach_point *x, const struct attach_point *y,
				bool uses_args)
{
	/* raw tracepoint links carry no cookie here: one program per name */
	return !strcmp(x->func, y->func);
}

static int rt_attach(struct loaded_probe *lp)
{
	return probe_link_add(lp, bpf_program__attach_raw_tracepoint(lp->prog, lp->ap->func), NULL);
}

static void list_emit(void *ctx, const char *name)
{
	void **c = ctx;
	char buf[512];
	snprintf(buf, sizeof(buf), "rawtracepoint:%s", name);
	((probe_list_emit_fn)c[0])(c[1], buf);
}

static void rt_list(char **parts, int nparts, probe_list_emit_fn emit, void *ctx)
{
	void *c[2] = {(void *)emit, ctx};
	kernel_btf_names(BTF_KIND_TYPEDEF, "btf_trace_", nparts ? parts[nparts - 1] : "*",
			 list_emit, c);
}

const struct probe_provider probe_rawtracepoint = {
	.name = "rawtracepoint",
	.alias = "rt",
	.expand = rt_expand,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.section = rt_section,
	.same_context = rt_same_context,
	.attach = rt_attach,
	.list = rt_list,
};
