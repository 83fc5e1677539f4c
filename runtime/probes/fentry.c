/* fentry and fexit (old names kfunc and kretfunc): kernel functions entered
 * and left through BPF trampolines, args.name typed from BTF, retval in
 * fexit.  Each program is bound to its function when loaded. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "runtime/kernel_btf.h"

static bool is_exit(const struct probe_provider *p)
{
	return p == &probe_fexit;
}

struct fentry_match {
	struct probe_env *env;
	const struct probe_provider *p;
	const struct ast_node *node;
	struct attach_list *out;
	int found;
	bool failed;
};

/* Kernel functions by name, sorted once: btf__find_by_name_kind() walks all
 * of vmlinux's types, and a wildcard asks it once per match (fentry:* took
 * minutes). */
struct func_id {
	const char *name;
	int id;
};
static struct func_id *func_ids;
static int nfunc_ids;

static int func_id_cmp(const void *x, const void *y)
{
	return strcmp(((const struct func_id *)x)->name, ((const struct func_id *)y)->name);
}

static int func_find(struct btf *btf, const char *name)
{
	if (!func_ids) {
		__u32 n = btf__type_cnt(btf);
		func_ids = malloc(sizeof(*func_ids) * (n ? n : 1));
		if (!func_ids)
			return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
		for (__u32 id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			if (btf_is_func(t))
				func_ids[nfunc_ids++] = (struct func_id){
					btf__name_by_offset(btf, t->name_off), (int)id};
		}
		qsort(func_ids, (size_t)nfunc_ids, sizeof(*func_ids), func_id_cmp);
	}
	struct func_id key = {name, 0};
	const struct func_id *f = bsearch(&key, func_ids, (size_t)nfunc_ids, sizeof(*func_ids),
					  func_id_cmp);
	return f ? f->id : -1;
}

static void add(void *ctx, const char *func)
{
	struct fentry_match *m = ctx;
	struct arena *a = m->env->arena;
	struct btf *btf = kernel_btf();
	int id = func_find(btf, func);
	if (id < 0)
		return;
	const struct btf_type *fn = btf__type_by_id(btf, (__u32)id);
	struct attach_point *ap = attach_point_new(a, m->p, m->node);
	ap->func = arena_strdup(a, func);
	ap->name = arena_printf(a, "%s:%s", m->p->name, func);
	struct ctx_field *f;
	int n = kernel_btf_params(a, btf, (int)fn->type, 0, &f);
	if (n < 0)
		return;
	if (is_exit(m->p)) {
		/* retval follows the arguments in the trampoline's slots */
		const struct btf_type *proto = btf__type_by_id(btf, fn->type);
		struct ctx_field *g = arena_alloc(a, sizeof(*g) * (size_t)(n + 1));
		memcpy(g, f, sizeof(*g) * (size_t)n);
		g[n].name = "retval";
		g[n].type = kernel_btf_type(a, btf, (int)proto->type);
		g[n].offset = (uint32_t)(8 * n);
		g[n].builtin = true;
		f = g;
		n++;
	}
	ap->fields = f;
	ap->nfields = n;
	attach_list_push(a, m->out, ap);
	m->found++;
}

static void hint_closest(struct probe_env *env, const struct probe_provider *p, const char *func)
{
	struct btf *btf = kernel_btf();
	__u32 n = btf__type_cnt(btf);
	const char **names = malloc(sizeof(*names) * n);
	int k = 0;
	for (__u32 id = 1; names && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_func(t))
			names[k++] = btf__name_by_offset(btf, t->name_off);
	}
	const char *c = names ? diag_closest(func, names, k) : NULL;
	if (c)
		diag_hint(env->diags, "did you mean %s:%s?", p->name, c);
	free(names);
}

static int fentry_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			 int nparts, struct attach_list *out)
{
	const struct probe_provider *p = probe_provider_find(parts[0]);
	if (nparts != 2 && nparts != 3) {
		diag_error(env->diags, node->loc, "%s needs a function: %s:FUNCTION", p->name, p->name);
		return -1;
	}
	if (nparts == 3 && strcmp(parts[1], "vmlinux")) {
		diag_error(env->diags, node->loc, "%s on module functions is not supported yet", p->name);
		return -1;
	}
	if (!kernel_btf()) {
		diag_error(env->diags, node->loc,
			   "%s needs kernel BTF (/sys/kernel/btf/vmlinux), which this kernel lacks", p->name);
		return -1;
	}
	const char *func = parts[nparts - 1];
	struct fentry_match m = {env, p, node, out, 0, false};
	if (strpbrk(func, "*?["))
		kernel_btf_names(BTF_KIND_FUNC, NULL, func, add, &m);
	else
		add(&m, func);
	if (m.found)
		return 0;
	diag_error(env->diags, node->loc, "%s: no kernel function %s %s in BTF", p->name,
		   strpbrk(func, "*?[") ? "matches" : "named", func);
	if (!strpbrk(func, "*?["))
		hint_closest(env, p, func);
	return -1;
}

static const char *fentry_section(struct arena *a, const struct attach_point *ap)
{
	/* libbpf finds the function's BTF id from the section name */
	return arena_printf(a, "%s/%s", is_exit(ap->provider) ? "fexit" : "fentry", ap->func);
}

static bool fentry_same_context(const struct attach_point *x, const struct attach_point *y,
				bool uses_args)
{
	return false; /* a tracing program is bound to one function at load */
}

static int fentry_attach(struct loaded_probe *lp)
{
	return probe_link_add(lp, bpf_program__attach_trace(lp->prog), NULL);
}

static void list_emit(void *ctx, const char *name)
{
	void **c = ctx;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s:%s", (const char *)c[2], name);
	((probe_list_emit_fn)c[0])(c[1], buf);
}

static void fentry_list(const struct probe_provider *p, char **parts, int nparts,
			probe_list_emit_fn emit, void *ctx)
{
	void *c[3] = {(void *)emit, ctx, (void *)p->name};
	kernel_btf_names(BTF_KIND_FUNC, NULL, nparts ? parts[nparts - 1] : "*", list_emit, c);
}

const struct probe_provider probe_fentry = {
	.name = "fentry",
	.alias = "f",
	.alias2 = "kfunc",
	.expand = fentry_expand,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.section = fentry_section,
	.same_context = fentry_same_context,
	.attach = fentry_attach,
	.list = fentry_list,
	.load_failure = "this kernel cannot load fentry/fexit programs (no BPF trampoline support)",
};

const struct probe_provider probe_fexit = {
	.name = "fexit",
	.alias = "fr",
	.alias2 = "kretfunc",
	.expand = fentry_expand,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.section = fentry_section,
	.same_context = fentry_same_context,
	.attach = fentry_attach,
	.list = fentry_list,
	.load_failure = "this kernel cannot load fentry/fexit programs (no BPF trampoline support)",
};
