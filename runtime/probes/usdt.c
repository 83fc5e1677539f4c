/* usdt:TARGET:PROVIDER:NAME and usdt:TARGET:NAME (U): statically defined
 * probes of systemtap's <sys/sdt.h>, read from .note.stapsdt.  Each note is
 * one site of a probe: a nop at pc, and an argument string such as
 * "-4@%eax 8@-8(%rbp) -4@$5" saying where each argument is at that site.
 * The arguments become arg0..argN, read from a register, from user memory
 * at a register plus a displacement, or a constant.
 *
 * A probe with several sites whose arguments sit in different places needs
 * one program per layout: each layout is its own attach point, which
 * attaches to every site with that layout.  Semaphores (a counter the
 * program tests before computing the arguments) are incremented by the
 * kernel while attached, through the uprobe's ref_ctr_offset. */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/proc_maps.h"
#include "runtime/probes/uprobe.h"

/* ------------------------------------------------------------- arguments */

/* One argument spec "[-]N@OPERAND": fills f, or returns a reason it is
 * not supported. */
static const char *parse_arg(struct arena *a, const char *spec, struct ctx_field *f)
{
	const char *op = spec;
	int size = 8;
	bool is_signed = true;
	const char *at = strchr(spec, '@');
	if (at) {
		char *end;
		long n = strtol(spec, &end, 10);
		if (end != at || (labs(n) != 1 && labs(n) != 2 && labs(n) != 4 && labs(n) != 8))
			return "its size is not 1, 2, 4 or 8 bytes";
		size = (int)labs(n);
		is_signed = n < 0;
		op = at + 1;
	}
	f->type = type_int(a, (uint32_t)size, is_signed);
	if (*op == '$') {
		char *end;
		errno = 0;
		long long v = strtoll(op + 1, &end, 0);
		if (errno || end == op + 1 || *end)
			return "its constant is not a number";
		f->read = CTX_CONST;
		f->disp = v;
		return NULL;
	}
	if (*op == '%') {
		int off = uprobe_reg_offset(op + 1);
		if (off < 0)
			return "its register is not an x86-64 general-purpose register";
		f->read = CTX_LOAD;
		f->offset = (uint32_t)off;
		return NULL;
	}
	/* disp(%reg) or (%reg) */
	const char *paren = strchr(op, '(');
	if (!paren)
		return "absolute memory addresses are not supported yet";
	int64_t disp = 0;
	if (paren != op) {
		char *end;
		errno = 0;
		disp = strtoll(op, &end, 0);
		if (errno || end != paren)
			return "symbolic displacements are not supported yet";
	}
	if (strchr(paren, ','))
		return "index registers are not supported yet";
	if (paren[1] != '%')
		return "its base is not a register";
	char reg[16];
	const char *close = strchr(paren, ')');
	size_t n = close ? (size_t)(close - paren - 2) : 0;
	if (!close || close[1] || !n || n >= sizeof(reg))
		return "its operand is malformed";
	memcpy(reg, paren + 2, n);
	reg[n] = '\0';
	if (!strcmp(reg, "rip"))
		return "%rip-relative operands are not supported yet";
	int off = uprobe_reg_offset(reg);
	if (off < 0 || strlen(reg) < 2 || (reg[0] != 'r'))
		return "its base is not a 64-bit general-purpose register";
	f->read = CTX_USER_MEM;
	f->offset = (uint32_t)off;
	f->disp = disp;
	return NULL;
}

/* The note's arguments as arg0..argN.  An argument sonde cannot read is
 * left out; *why and *bad say which and why. */
static void note_fields(struct arena *a, const struct elf_usdt_note *n, struct attach_point *ap,
			const char **why, int *bad, char **bad_spec)
{
	*why = NULL;
	int cap = 1;
	for (const char *p = n->args; *p; p++)
		cap += *p == ' ';
	ap->fields = arena_alloc(a, cap * sizeof(*ap->fields));
	ap->nfields = 0;
	const char *p = n->args;
	for (int i = 0; *p; i++) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *spec = arena_printf(a, "%.*s", (int)len, p);
		p += len;
		struct ctx_field f = {.name = arena_printf(a, "arg%d", i), .builtin = true};
		const char *r = parse_arg(a, spec, &f);
		if (r) {
			if (!*why) {
				*why = r;
				*bad = i;
				*bad_spec = spec;
			}
			continue;
		}
		if (ap->nfields < cap)
			ap->fields[ap->nfields++] = f;
	}
}

/* ---------------------------------------------------------------- points */

static bool note_matches(const struct elf_usdt_note *n, const char *prov, const char *name)
{
	return (!prov || !fnmatch(prov, n->provider, 0)) && !fnmatch(name, n->name, 0);
}

static void hint_closest(struct probe_env *env, const char *path, const struct elf_usdt_note *notes,
			 int n, const char *prov, const char *name)
{
	const char **cands = malloc((n ? n : 1) * sizeof(*cands));
	if (!cands)
		return;
	for (int i = 0; i < n; i++)
		cands[i] = prov ? arena_printf(env->arena, "%s:%s", notes[i].provider, notes[i].name)
				: notes[i].name;
	const char *want = prov ? arena_printf(env->arena, "%s:%s", prov, name) : name;
	const char *best = diag_closest(want, cands, n);
	if (best) {
		const char *full = best;
		for (int i = 0; !prov && i < n; i++)
			if (cands[i] == best)
				full = arena_printf(env->arena, "%s:%s", notes[i].provider, notes[i].name);
		diag_hint(env->diags, "did you mean usdt:%s:%s?", path, full);
	}
	free(cands);
}

/* The attach points of one file.  quiet (a file of a glob): no probe
 * there is no error.  Returns how many sites matched, or -1. */
static int expand_file(struct probe_env *env, const struct ast_node *node, const char *path,
		       const struct elf_file *f, const char *prov, const char *name, bool quiet,
		       struct attach_list *out)
{
	const struct elf_usdt_note *notes;
	int n = elf_file_usdt_notes(f, &notes);
	if (!n) {
		if (!quiet)
			diag_error(env->diags, node->loc,
				   "%s has no USDT probes (no .note.stapsdt notes)", path);
		return quiet ? 0 : -1;
	}

	/* Without a provider the name must be unique, unless it is a
	 * wildcard (bpftrace does the same). */
	if (!prov && !uprobe_has_wildcard(name)) {
		const char *first = NULL;
		int nprov = 0;
		for (int i = 0; i < n; i++) {
			if (strcmp(notes[i].name, name))
				continue;
			bool seen = false;
			for (int j = 0; j < i && !seen; j++)
				seen = !strcmp(notes[j].name, name) &&
				       !strcmp(notes[j].provider, notes[i].provider);
			if (!seen) {
				nprov++;
				if (!first)
					first = notes[i].provider;
			}
		}
		if (nprov > 1) {
			diag_error(env->diags, node->loc,
				   "the provider of usdt:%s:%s is not given and %d providers have a probe '%s'",
				   path, name, nprov, name);
			diag_hint(env->diags, "name one, e.g. usdt:%s:%s:%s, or use usdt:%s:*:%s for all",
				  path, first, name, path, name);
			return -1;
		}
	}

	int matched = 0;
	for (int i = 0; i < n; i++) {
		if (!note_matches(&notes[i], prov, name))
			continue;
		/* one attach point per (provider, name, argument string) */
		bool dup = false;
		for (int j = 0; j < i && !dup; j++)
			dup = note_matches(&notes[j], prov, name) &&
			      !strcmp(notes[j].provider, notes[i].provider) &&
			      !strcmp(notes[j].name, notes[i].name) &&
			      !strcmp(notes[j].args, notes[i].args);
		matched++;
		if (dup)
			continue;
		uint64_t off;
		if (elf_file_offset(f, notes[i].pc, &off)) {
			diag_error(env->diags, node->loc,
				   "usdt probe %s:%s is at 0x%llx, which no loadable segment of %s holds",
				   notes[i].provider, notes[i].name, (unsigned long long)notes[i].pc,
				   path);
			return -1;
		}
		struct attach_point *ap = attach_point_new(env->arena, &probe_usdt, node);
		ap->target = (char *)path;
		ap->func = arena_printf(env->arena, "%s:%s", notes[i].provider, notes[i].name);
		ap->name = arena_printf(env->arena, "usdt:%s:%s", path, ap->func);
		const char *why;
		int bad;
		char *bad_spec;
		note_fields(env->arena, &notes[i], ap, &why, &bad, &bad_spec);
		if (why)
			diag_warn(env->diags, node->loc,
				  "%s: arg%d (%s) cannot be read, %s; arg%d is not available", ap->name,
				  bad, bad_spec, why, bad);
		attach_list_push(env->arena, out, ap);
	}
	if (!matched && !quiet) {
		if (prov)
			diag_error(env->diags, node->loc, "usdt probe %s:%s not found in %s", prov, name,
				   path);
		else
			diag_error(env->diags, node->loc, "usdt probe %s not found in %s", name, path);
		if (!uprobe_has_wildcard(name) && (!prov || !uprobe_has_wildcard(prov)))
			hint_closest(env, path, notes, n, prov, name);
		return -1;
	}
	return matched;
}

static int expand_process(struct probe_env *env, const struct ast_node *node, const char *prov,
			  const char *name, struct attach_list *out)
{
	char **paths;
	int np = proc_maps_files(env->pid, &paths), total = 0;
	for (int i = 0; i < np; i++) {
		const struct elf_file *f = elf_file_get(paths[i]);
		int k = f ? expand_file(env, node, arena_strdup(env->arena, paths[i]), f, prov, name,
					true, out)
			  : 0;
		if (k < 0) {
			total = -1;
			break;
		}
		total += k;
	}
	for (int i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	if (total < 0)
		return -1;
	if (!total) {
		diag_error(env->diags, node->loc, "no usdt probe matches %s in the files process %d has mapped",
			   prov ? arena_printf(env->arena, "%s:%s", prov, name) : name, env->pid);
		return -1;
	}
	return 0;
}

static int usdt_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		       int nparts, struct attach_list *out)
{
	if (nparts != 3 && nparts != 4) {
		diag_error(env->diags, node->loc, "usdt probe type requires 2 or 3 arguments, found %d",
			   nparts - 1);
		diag_hint(env->diags, "write usdt:BINARY:PROVIDER:NAME or usdt:BINARY:NAME");
		return -1;
	}
	const char *prov = nparts == 4 ? parts[2] : NULL;
	const char *name = parts[nparts - 1];
	/* -p and no binary (usdt:::NAME, usdt::PROV:NAME): every file the
	 * process has mapped, any provider when none is given */
	if (!*parts[1] && env->pid && *name)
		return expand_process(env, node, prov && *prov ? prov : NULL, name, out);
	if ((prov && !*prov) || !*name) {
		diag_error(env->diags, node->loc, "usdt needs a probe name: usdt:BINARY:PROVIDER:NAME");
		return -1;
	}
	if (uprobe_has_wildcard(parts[1])) {
		char **paths;
		int np = uprobe_glob(env->arena, parts[1], &paths), total = 0;
		for (int i = 0; i < np; i++) {
			int k = expand_file(env, node, paths[i], elf_file_get(paths[i]), prov, name, true,
					    out);
			if (k < 0)
				return -1;
			total += k;
		}
		if (!total) {
			diag_error(env->diags, node->loc, "no usdt probe matches %s", node->str);
			return -1;
		}
		return 0;
	}
	char *path;
	const struct elf_file *f = uprobe_target(env, node, "usdt", parts[1], &path);
	if (!f)
		return -1;
	return expand_file(env, node, path, f, prov, name, false, out) < 0 ? -1 : 0;
}

/* ------------------------------------------------------ program and attach */

static const char *usdt_section(struct arena *a, const struct attach_point *ap)
{
	return "uprobe";
}

/* usdt has no args, only argN: their layouts must always agree. */
static bool usdt_same_context(const struct attach_point *x, const struct attach_point *y,
			      bool uses_args)
{
	return uprobe_fields_equal(x, y);
}

/* Calls site(ctx, offset, semaphore offset) for every site of the probe
 * whose arguments have this attach point's layout; stops at the first
 * error.  Returns 0 or -errno; *why says what went wrong when it was not
 * site() (NULL otherwise). */
static int usdt_each_site(struct arena *a, const struct attach_point *ap,
			  int (*site)(void *ctx, uint64_t off, uint64_t ref), void *ctx,
			  const char **why)
{
	*why = NULL;
	const struct elf_file *f = elf_file_get(ap->target);
	if (!f) {
		int err = errno ? errno : ENOENT;
		*why = strerror(err);
		return -err;
	}
	const struct elf_usdt_note *notes;
	int n = elf_file_usdt_notes(f, &notes), err = 0, sites = 0;
	size_t plen = strcspn(ap->func, ":");
	for (int i = 0; i < n && !err; i++) {
		if (strlen(notes[i].provider) != plen || strncmp(notes[i].provider, ap->func, plen) ||
		    strcmp(notes[i].name, ap->func + plen + 1))
			continue;
		struct attach_point tmp = {0};
		const char *bad_why;
		int bad;
		char *bad_spec;
		note_fields(a, &notes[i], &tmp, &bad_why, &bad, &bad_spec);
		if (!uprobe_fields_equal(&tmp, ap))
			continue;
		uint64_t off, ref = 0;
		sites++;
		if (elf_file_offset(f, notes[i].pc, &off) ||
		    (notes[i].semaphore && elf_file_offset(f, notes[i].semaphore, &ref))) {
			*why = "its address is outside the file";
			return -ERANGE;
		}
		err = site(ctx, off, ref);
	}
	if (!err && !sites) {
		*why = arena_printf(a, "the probe is gone from %s", ap->target);
		return -ENOENT;
	}
	return err;
}

struct sites_ctx {
	const struct attach_point *ap;
	struct uprobe_sites *out;
};

static int add_site(void *ctx, uint64_t off, uint64_t ref)
{
	struct sites_ctx *c = ctx;
	return uprobe_sites_add(c->out, off, ref, (uint64_t)c->ap->index);
}

static int usdt_sites(const struct attach_point *ap, struct uprobe_sites *out)
{
	struct arena a = {0};
	struct sites_ctx c = {ap, out};
	const char *why;
	int err = usdt_each_site(&a, ap, add_site, &c, &why);
	arena_free(&a);
	return err;
}

static int attach_site(void *ctx, uint64_t off, uint64_t ref)
{
	struct loaded_probe *lp = ctx;
	return uprobe_attach_at(lp, lp->ap->target, off, false, ref);
}

/* Attaches to every site of the probe whose arguments have this attach
 * point's layout: one multi link for all of them where the kernel has
 * those, else one uprobe per site. */
static int usdt_attach(struct loaded_probe *lp)
{
	if (lp->ap->multi)
		return uprobe_multi_attach(lp, false, usdt_sites);
	struct arena a = {0};
	const char *why;
	int err = usdt_each_site(&a, lp->ap, attach_site, lp, &why);
	if (why) /* else uprobe_attach_at said it */
		fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name, why);
	arena_free(&a);
	return err;
}

/* ---------------------------------------------------------------- listing */

static void list_file(const char *path, const struct elf_file *f, const char *prov,
		      const char *name, probe_list_emit_fn emit, void *ctx)
{
	const struct elf_usdt_note *notes;
	int n = elf_file_usdt_notes(f, &notes);
	for (int i = 0; i < n; i++) {
		if (!note_matches(&notes[i], prov, name))
			continue;
		char *s;
		if (asprintf(&s, "usdt:%s:%s:%s", path, notes[i].provider, notes[i].name) < 0)
			break;
		emit(ctx, s);
		free(s);
	}
}

static void usdt_list(const struct probe_provider *p, char **parts, int nparts,
		      probe_list_emit_fn emit, void *ctx)
{
	(void)p; /* the names are made by list_file, with their paths */
	if (nparts < 1 || nparts > 3 || !*parts[0])
		return;
	const char *prov = nparts == 3 ? parts[1] : NULL;
	const char *name = nparts >= 2 ? parts[nparts - 1] : "*";
	if (uprobe_has_wildcard(parts[0])) {
		struct arena a = {0};
		char **paths;
		int np = uprobe_glob(&a, parts[0], &paths);
		for (int i = 0; i < np; i++)
			list_file(paths[i], elf_file_get(paths[i]), prov, name, emit, ctx);
		arena_free(&a);
		return;
	}
	char *path = elf_resolve_target(parts[0]);
	const struct elf_file *f = path ? elf_file_get(path) : NULL;
	if (!f) {
		fprintf(stderr, "sonde: usdt target file '%s' does not exist or is not executable\n",
			parts[0]);
		free(path);
		return;
	}
	list_file(path, f, prov, name, emit, ctx);
	free(path);
}

const struct probe_provider probe_usdt = {
	.name = "usdt",
	.alias = "U",
	.expand = usdt_expand,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.section = usdt_section,
	.same_context = usdt_same_context,
	.prepare = uprobe_multi_prepare,
	.attach_once = uprobe_multi_attach_once,
	.attach = usdt_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
	.list = usdt_list,
};
