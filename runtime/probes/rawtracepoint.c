/* rawtracepoint (rt): a kernel tracepoint without the perf-event layer;
 * rawtracepoint:NAME or rawtracepoint:MODULE:NAME, arguments typed from the
 * kernel's btf_trace_NAME BTF typedef, as argN and args.name. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
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

/* Whether this kernel takes a BPF cookie on raw tracepoint links (Linux
 * 6.10 added it, with bpf_get_attach_cookie in raw_tp programs): asked once,
 * by loading a program that calls the helper.  -1: not asked yet. */
static int cookies_supported = -1;

static bool rt_cookies(void)
{
	if (cookies_supported < 0) {
		const struct bpf_insn insns[] = {
			{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_attach_cookie},
			{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
			{.code = BPF_JMP | BPF_EXIT},
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns,
				       sizeof(insns) / sizeof(*insns), NULL);
		cookies_supported = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return cookies_supported;
}

static bool rt_same_context(const struct attach_point *x, const struct attach_point *y,
			    bool uses_args)
{
	if (!strcmp(x->func, y->func))
		return true;
	/* Tracepoints differ in their arguments (argN counts as args here:
	 * the kernel refuses a program that reads past the arguments of the
	 * tracepoint it is attached to); without args, one program serves
	 * them all when the attach cookie tells them apart for `probe`. */
	return !uses_args && rt_cookies();
}

/* BPF_RAW_TRACEPOINT_OPEN's attribute with the cookie of Linux 6.10
 * (include/uapi/linux/bpf.h: name, prog_fd, 32 bits of padding, cookie);
 * libbpf 1.1 and the installed headers predate it. */
struct raw_tp_open_attr {
	uint64_t name;
	uint32_t prog_fd;
	uint32_t pad;
	uint64_t cookie;
};

static int rt_attach(struct loaded_probe *lp)
{
	/* The cookie is only read by a program shared by several tracepoints,
	 * and only made when the kernel was found to take it. */
	if (cookies_supported <= 0)
		return probe_link_add(lp, bpf_program__attach_raw_tracepoint(lp->prog, lp->ap->func),
				      NULL);
	struct raw_tp_open_attr attr = {.name = (uint64_t)(uintptr_t)lp->ap->func,
					.prog_fd = (uint32_t)bpf_program__fd(lp->prog),
					.cookie = (uint64_t)lp->ap->index};
	int fd = (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	if (fd < 0) {
		errno = errno ? errno : EINVAL;
		return probe_link_add(lp, NULL, NULL);
	}
	int *fds = realloc(lp->perf_fds, sizeof(*fds) * (size_t)(lp->nperf_fds + 1));
	if (!fds) {
		close(fd);
		errno = ENOMEM;
		return probe_link_add(lp, NULL, NULL);
	}
	/* closed by probe_perf_detach, which detaches the program */
	fds[lp->nperf_fds++] = fd;
	lp->perf_fds = fds;
	return 0;
}

static void list_emit(void *ctx, const char *name)
{
	void **c = ctx;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s:%s", (const char *)c[2], name);
	((probe_list_emit_fn)c[0])(c[1], buf);
}

static void rt_list(const struct probe_provider *p, char **parts, int nparts,
		    probe_list_emit_fn emit, void *ctx)
{
	void *c[3] = {(void *)emit, ctx, (void *)p->name};
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
	.detach = probe_perf_detach,
	.list = rt_list,
	.argn_is_args = true,
};
