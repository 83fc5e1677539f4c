/* kprobe and kretprobe: kprobe:func, kprobe:func+offset, kprobe:module:func,
 * wildcards over the kernel's function symbols; argN, and retval on return. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "runtime/kallsyms.h"
#include "runtime/probes/pt_regs.h"

static bool is_ret(const struct probe_provider *p)
{
	return p == &probe_kretprobe;
}

static void add(struct probe_env *env, const struct probe_provider *p, const struct ast_node *node,
		const struct ksym *s, uint64_t offset, struct attach_list *out)
{
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->func = arena_strdup(env->arena, s->name);
	ap->target = s->module ? arena_strdup(env->arena, s->module) : NULL;
	ap->period = offset;
	if (offset)
		ap->name = arena_printf(env->arena, "%s:%s+%llu", p->name, s->name,
					(unsigned long long)offset);
	else if (s->module)
		ap->name = arena_printf(env->arena, "%s:%s:%s", p->name, s->module, s->name);
	else
		ap->name = arena_printf(env->arena, "%s:%s", p->name, s->name);
	pt_regs_context(env->arena, ap, is_ret(p));
	attach_list_push(env->arena, out, ap);
}

static void hint_closest(struct probe_env *env, const struct probe_provider *p, const char *func)
{
	int n;
	const struct ksym *s = kallsyms_functions(&n);
	const char **names = malloc(sizeof(*names) * (size_t)(n ? n : 1));
	if (!names)
		return;
	for (int i = 0; i < n; i++)
		names[i] = s[i].name;
	const char *c = diag_closest(func, names, n);
	if (c)
		diag_hint(env->diags, "did you mean %s:%s?", p->name, c);
	free(names);
}

static int kprobe_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			 int nparts, struct attach_list *out)
{
	const struct probe_provider *p = probe_provider_find(parts[0]);
	if ((nparts != 2 && nparts != 3) || !*parts[nparts - 1] || (nparts == 3 && !*parts[1])) {
		diag_error(env->diags, node->loc, "%s needs a function: %s:FUNCTION or %s:MODULE:FUNCTION",
			   p->name, p->name, p->name);
		return -1;
	}
	const char *module = nparts == 3 ? parts[1] : NULL;
	char *func = parts[nparts - 1];
	uint64_t offset = 0;
	char *plus = strchr(func, '+');
	if (plus) {
		char *end;
		offset = strtoull(plus + 1, &end, 0);
		if (plus[1] == 0 || *end || is_ret(p)) {
			diag_error(env->diags, node->loc, is_ret(p)
				   ? "a kretprobe cannot take an offset"
				   : "the offset after '+' must be an integer");
			return -1;
		}
		func = arena_strndup(env->arena, func, (size_t)(plus - func));
	}
	int n;
	const struct ksym *syms = kallsyms_functions(&n);
	if (!n) {
		diag_error(env->diags, node->loc, "cannot read kernel symbols from /proc/kallsyms");
		return -1;
	}
	bool wild = strpbrk(func, "*?[") || (module && strpbrk(module, "*?["));
	if (wild && offset) {
		diag_error(env->diags, node->loc, "an offset cannot be combined with a wildcard");
		return -1;
	}
	int found = 0;
	if (!wild) {
		const struct ksym *s = kallsyms_find(func, module);
		if (s) {
			add(env, p, node, s, offset, out);
			found = 1;
		}
	} else {
		for (int i = 0; i < n; i++) {
			const struct ksym *s = &syms[i];
			const char *mod = s->module ? s->module : "vmlinux";
			if (fnmatch(func, s->name, 0) || (module && fnmatch(module, mod, 0)))
				continue;
			/* the same name in several modules: the first one */
			if (i && !strcmp(syms[i - 1].name, s->name))
				continue;
			add(env, p, node, s, 0, out);
			found++;
		}
	}
	if (found)
		return 0;
	if (wild) {
		diag_error(env->diags, node->loc, "no kernel function matches %s", func);
		return -1;
	}
	diag_error(env->diags, node->loc, "kernel function not found: %s%s%s", module ? module : "",
		   module ? ":" : "", func);
	hint_closest(env, p, func);
	return -1;
}

static const char *kprobe_section(struct arena *a, const struct attach_point *ap)
{
	return is_ret(ap->provider) ? "kretprobe" : "kprobe";
}

static bool kprobe_same_context(const struct attach_point *x, const struct attach_point *y,
				bool uses_args)
{
	return true; /* pt_regs everywhere */
}

static bool have_kprobes(void)
{
	return !access("/sys/bus/event_source/devices/kprobe", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK);
}

/* Whether a wildcard's functions should share one kprobe_multi link (one
 * attach call, one detach, where single kprobes cost a perf event each):
 * when the kernel loads programs of that attach type (5.18), and either
 * creates such links or has no kprobes to fall back on (then the attach
 * error is about the link).  Asked once. */
static bool kprobe_multi_usable(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	known = 0;
	if (prog >= 0) {
		/* address 0 is no function: a kernel with the links says
		 * EINVAL or ENOENT, one without them EOPNOTSUPP */
		unsigned long addr = 0;
		LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.addrs = &addr,
			    .kprobe_multi.cnt = 1);
		int fd = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lo);
		int err = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		known = err != EOPNOTSUPP || !have_kprobes();
		close(prog);
	}
	return known;
}

static void kprobe_prepare(struct bpf_program *prog, struct attach_point **aps, int naps)
{
	if (!prog || naps < 2)
		return;
	for (int i = 0; i < naps; i++)
		if (aps[i]->period) /* func+offset: single kprobes */
			return;
	if (!kprobe_multi_usable() ||
	    bpf_program__set_expected_attach_type(prog, BPF_TRACE_KPROBE_MULTI))
		return;
	for (int i = 0; i < naps; i++)
		aps[i]->multi = true;
}

static bool kprobe_attach_once(const struct attach_point *ap)
{
	return ap->multi;
}

static int kprobe_multi_attach(struct loaded_probe *lp)
{
	const char **syms = calloc((size_t)lp->naps, sizeof(*syms));
	__u64 *cookies = calloc((size_t)lp->naps, sizeof(*cookies));
	struct bpf_link *l = NULL;
	if (syms && cookies) {
		for (int i = 0; i < lp->naps; i++) {
			syms[i] = lp->aps[i]->func;
			cookies[i] = (__u64)lp->aps[i]->index;
		}
		LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = syms, .cookies = cookies,
			    .cnt = (size_t)lp->naps, .retprobe = is_ret(lp->ap->provider));
		errno = 0;
		l = bpf_program__attach_kprobe_multi_opts(lp->prog, NULL, &opts);
	}
	int err = l ? 0 : errno ? errno : ENOMEM;
	free(syms);
	free(cookies);
	if (l)
		return probe_link_add(lp, l, NULL);
	const char *why = strerror(err);
	if (err == EOPNOTSUPP)
		why = have_kprobes() ? "this kernel has no kprobe_multi links (built without CONFIG_FPROBE?)"
				     : "this kernel has no kprobe support (built without CONFIG_KPROBES?)";
	fprintf(stderr, "sonde: cannot attach %s and %d more (one kprobe_multi link): %s\n",
		lp->ap->name, lp->naps - 1, why);
	return -err;
}

static int kprobe_attach(struct loaded_probe *lp)
{
	if (lp->ap->multi)
		return kprobe_multi_attach(lp);
	const struct attach_point *ap = lp->ap;
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = (uint64_t)ap->index,
		    .offset = (size_t)ap->period, .retprobe = is_ret(ap->provider));
	struct bpf_link *l = bpf_program__attach_kprobe_opts(lp->prog, ap->func, &opts);
	const char *why = NULL;
	if (!l && !have_kprobes())
		why = "this kernel has no kprobe support (built without CONFIG_KPROBES?)";
	return probe_link_add(lp, l, why);
}

static void kprobe_list(const struct probe_provider *p, char **parts, int nparts,
			probe_list_emit_fn emit, void *ctx)
{
	const char *pat = nparts ? parts[nparts - 1] : "*";
	int n;
	const struct ksym *s = kallsyms_functions(&n);
	char buf[512];
	for (int i = 0; i < n; i++) {
		if (fnmatch(pat, s[i].name, 0) || (i && !strcmp(s[i - 1].name, s[i].name)))
			continue;
		snprintf(buf, sizeof(buf), "%s:%s", p->name, s[i].name);
		emit(ctx, buf);
	}
}

const struct probe_provider probe_kprobe = {
	.name = "kprobe",
	.alias = "k",
	.expand = kprobe_expand,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.section = kprobe_section,
	.same_context = kprobe_same_context,
	.prepare = kprobe_prepare,
	.attach_once = kprobe_attach_once,
	.attach = kprobe_attach,
	.list = kprobe_list,
};

const struct probe_provider probe_kretprobe = {
	.name = "kretprobe",
	.alias = "kr",
	.expand = kprobe_expand,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.section = kprobe_section,
	.same_context = kprobe_same_context,
	.prepare = kprobe_prepare,
	.attach_once = kprobe_attach_once,
	.attach = kprobe_attach,
	.list = kprobe_list,
};
