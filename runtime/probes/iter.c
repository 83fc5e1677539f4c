/* iter (it): BPF iterators over kernel objects, iter:task, iter:task_file,
 * iter:task_vma.  The program sees the iterator's context, struct
 * bpf_iter__NAME from kernel BTF, as the builtin ctx.  The runtime reads the iterator once, after
 * BEGIN, and the run ends when the kernel has walked every object. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "runtime/kernel_btf.h"

/* The iterators whose context needs nothing but the program (no map or
 * cgroup to bind to when attaching), when this kernel's BTF has them. */
static const char *const iter_names[] = {"task", "task_file", "task_vma"};
#define NITERS ((int)(sizeof(iter_names) / sizeof(*iter_names)))

/* The BTF id of struct bpf_iter__NAME, when the kernel has the iterator
 * (its target function bpf_iter_NAME too), or -1. */
static int iter_ctx_id(const char *name)
{
	struct btf *btf = kernel_btf();
	if (!btf)
		return -1;
	char fn[64];
	snprintf(fn, sizeof(fn), "bpf_iter_%s", name);
	if (btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) < 0)
		return -1;
	snprintf(fn, sizeof(fn), "bpf_iter__%s", name);
	return kernel_btf_find("struct", fn);
}

static bool known(const char *name)
{
	for (int i = 0; i < NITERS; i++)
		if (!strcmp(iter_names[i], name))
			return iter_ctx_id(name) >= 0;
	return false;
}

static void unknown_iter(struct probe_env *env, const struct ast_node *node, const char *name)
{
	const char *cands[NITERS];
	int n = 0;
	for (int i = 0; i < NITERS; i++)
		if (known(iter_names[i]))
			cands[n++] = iter_names[i];
	diag_error(env->diags, node->loc, "no iterator named %s", name);
	const char *c = *name ? diag_closest(name, cands, n) : NULL;
	if (c)
		diag_hint(env->diags, "did you mean iter:%s?", c);
}

static int iter_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		       int nparts, struct attach_list *out)
{
	if (nparts != 2 && nparts != 3) {
		diag_error(env->diags, node->loc, "iter needs an iterator name: iter:task");
		return -1;
	}
	const char *name = parts[1];
	if (strpbrk(name, "*?[")) {
		diag_error(env->diags, node->loc, "iter probe type does not support wildcards");
		return -1;
	}
	if (!kernel_btf()) {
		diag_error(env->diags, node->loc,
			   "iter needs kernel BTF (/sys/kernel/btf/vmlinux) to type its context");
		return -1;
	}
	if (!known(name)) {
		unknown_iter(env, node, name);
		return -1;
	}
	if (nparts == 3) {
		/* bpftrace's printf writes a pinned iterator's output into the
		 * iterator itself (bpf_seq_printf); sonde's goes to its ring
		 * buffer, which nobody reads once sonde has left */
		diag_error(env->diags, node->loc,
			   "pinning an iterator (iter:%s:PIN) is not supported yet", name);
		return -1;
	}
	struct arena *a = env->arena;
	struct attach_point *ap = attach_point_new(a, &probe_iter, node);
	ap->func = arena_strdup(a, name);
	ap->name = arena_printf(a, "iter:%s", name);
	struct ctx_field *f = arena_alloc(a, sizeof(*f));
	f->name = "ctx";
	f->type = kernel_btf_type(a, kernel_btf(), iter_ctx_id(name));
	f->builtin = true;
	ap->fields = f;
	ap->nfields = 1;
	/* The iterator calls the program once more after the last object,
	 * with NULL in place of it (task, in every iterator here), for
	 * programs that print a footer; bpftrace's programs do not see it. */
	struct kernel_btf_member m;
	if (kernel_btf_member(kernel_btf(), iter_ctx_id(name), "task", &m)) {
		ap->skip_null = true;
		ap->skip_null_offset = m.bit_offset / 8;
	}
	ap->seq_tick = true;
	attach_list_push(a, out, ap);
	return 0;
}

static const char *iter_section(struct arena *a, const struct attach_point *ap)
{
	/* libbpf takes the attach type and the target from the name */
	return arena_printf(a, "iter/%s", ap->func);
}

static int iter_attach(struct loaded_probe *lp)
{
	/* -p: the kernel walks only that process's tasks (Linux 6.1) */
	union bpf_iter_link_info info = {.task.pid = (__u32)lp->pid};
	LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &info, .link_info_len = sizeof(info));
	return probe_link_add(lp, bpf_program__attach_iter(lp->prog, lp->pid ? &o : NULL), NULL);
}

/* Objects per read() of the iterator: the program writes a byte to the
 * iterator's seq file per object (attach_point.seq_tick), so a read() of
 * this many bytes runs it over this many objects, and the events they
 * produced are shown before the next: a walk printing more than the ring
 * buffer holds loses nothing, unless 256 objects alone fill it. */
#define ITER_BATCH 256

/* Runs the iterator to its end, showing the events between reads. */
static int iter_run(struct loaded_probe *lp)
{
	if (!lp->nlinks)
		return 0;
	int fd = bpf_iter_create(bpf_link__fd(lp->links[0]));
	if (fd < 0) {
		int err = errno;
		fprintf(stderr, "sonde: cannot start iterator %s: %s\n", lp->ap->name, strerror(err));
		return -err;
	}
	char buf[ITER_BATCH];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EAGAIN))
		if (lp->drain)
			lp->drain(lp->drain_ctx);
	/* interrupted (^C): the run ends all the same */
	int err = n < 0 && errno != EINTR ? -errno : 1;
	if (err < 0)
		fprintf(stderr, "sonde: reading iterator %s failed: %s\n", lp->ap->name,
			strerror(-err));
	close(fd);
	return err;
}

/* -lv: the context's fields, as ctx.NAME reads them (meta aside). */
static void iter_describe(const struct attach_point *ap, FILE *out)
{
	struct btf *btf = kernel_btf();
	int id = iter_ctx_id(ap->func);
	const char *names[32];
	int n = id < 0 ? 0 : kernel_btf_member_names(btf, id, names, 32);
	struct arena a = {0};
	for (int i = 0; i < n; i++) {
		struct kernel_btf_member m;
		if (!strcmp(names[i], "meta") || !kernel_btf_member(btf, id, names[i], &m))
			continue;
		fprintf(out, "    %s %s\n", type_name(&a, kernel_btf_type(&a, btf, m.type_id)),
			names[i]);
	}
	arena_free(&a);
}

static void iter_list(const struct probe_provider *p, char **parts, int nparts,
		      probe_list_emit_fn emit, void *ctx)
{
	char buf[64];
	for (int i = 0; i < NITERS; i++) {
		if (!known(iter_names[i]) || (nparts && fnmatch(parts[0], iter_names[i], 0)))
			continue;
		snprintf(buf, sizeof(buf), "%s:%s", p->name, iter_names[i]);
		emit(ctx, buf);
	}
}

const struct probe_provider probe_iter = {
	.name = "iter",
	.alias = "it",
	.expand = iter_expand,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.section = iter_section,
	.attach = iter_attach,
	.run = iter_run,
	.runs_alone = true,
	.pid_at_attach = true,
	.describe = iter_describe,
	.list = iter_list,
};
