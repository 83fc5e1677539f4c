/* uprobe:TARGET:FUNC and uretprobe:TARGET:FUNC (u, ur).  TARGET is a path,
 * a library name resolved like the dynamic loader does ("libc") or a
 * program in PATH; FUNC is a function symbol (wildcards allowed), FUNC+OFF
 * or an address.  The kernel attaches uprobes at file offsets, so every
 * virtual address goes through the program headers first.
 *
 * Context: arg0..arg5 and sarg0..sargN (stack slots) at entry, retval at
 * return, as bpftrace types them (uint64); args.name from DWARF when the
 * binary has debug info. */
#define _GNU_SOURCE
#include "runtime/probes/uprobe.h"

#include <asm/ptrace.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/dwarf_args.h"
#include "runtime/proc_maps.h"

/* bpftrace allows sargN for any N; these many are described. */
#define UPROBE_NSARGS 12

bool uprobe_has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* ------------------------------------------------------------- registers */

/* The kernel hands BPF uprobe programs its struct pt_regs; the userspace
 * one of <asm/ptrace.h> has the same layout on x86-64, with the registers
 * spelled rax, rbx, ... where the kernel says ax, bx, ... */
static const struct {
	const char *names[4]; /* 64, 32, 16, 8-bit low */
	int offset;
	const char *high; /* the 8-bit high register, at offset + 1 */
} regs[] = {
	{{"rax", "eax", "ax", "al"}, offsetof(struct pt_regs, rax), "ah"},
	{{"rbx", "ebx", "bx", "bl"}, offsetof(struct pt_regs, rbx), "bh"},
	{{"rcx", "ecx", "cx", "cl"}, offsetof(struct pt_regs, rcx), "ch"},
	{{"rdx", "edx", "dx", "dl"}, offsetof(struct pt_regs, rdx), "dh"},
	{{"rsi", "esi", "si", "sil"}, offsetof(struct pt_regs, rsi), NULL},
	{{"rdi", "edi", "di", "dil"}, offsetof(struct pt_regs, rdi), NULL},
	{{"rbp", "ebp", "bp", "bpl"}, offsetof(struct pt_regs, rbp), NULL},
	{{"rsp", "esp", "sp", "spl"}, offsetof(struct pt_regs, rsp), NULL},
	{{"r8", "r8d", "r8w", "r8b"}, offsetof(struct pt_regs, r8), NULL},
	{{"r9", "r9d", "r9w", "r9b"}, offsetof(struct pt_regs, r9), NULL},
	{{"r10", "r10d", "r10w", "r10b"}, offsetof(struct pt_regs, r10), NULL},
	{{"r11", "r11d", "r11w", "r11b"}, offsetof(struct pt_regs, r11), NULL},
	{{"r12", "r12d", "r12w", "r12b"}, offsetof(struct pt_regs, r12), NULL},
	{{"r13", "r13d", "r13w", "r13b"}, offsetof(struct pt_regs, r13), NULL},
	{{"r14", "r14d", "r14w", "r14b"}, offsetof(struct pt_regs, r14), NULL},
	{{"r15", "r15d", "r15w", "r15b"}, offsetof(struct pt_regs, r15), NULL},
};

int uprobe_reg_offset(const char *name)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		for (int k = 0; k < 4; k++)
			if (!strcmp(regs[i].names[k], name))
				return regs[i].offset;
		if (regs[i].high && !strcmp(regs[i].high, name))
			return regs[i].offset + 1;
	}
	/* r8l..r15l: another spelling of r8b..r15b */
	if (name[0] == 'r' && isdigit((unsigned char)name[1])) {
		char buf[8];
		size_t n = strlen(name);
		if (n < sizeof(buf) && name[n - 1] == 'l') {
			memcpy(buf, name, n);
			buf[n - 1] = 'b';
			buf[n] = '\0';
			return uprobe_reg_offset(buf);
		}
	}
	return -1;
}

/* The System V argument registers, in order. */
static const uint32_t arg_regs[6] = {
	offsetof(struct pt_regs, rdi), offsetof(struct pt_regs, rsi), offsetof(struct pt_regs, rdx),
	offsetof(struct pt_regs, rcx), offsetof(struct pt_regs, r8), offsetof(struct pt_regs, r9),
};

/* --------------------------------------------------------------- context */

bool uprobe_fields_equal(const struct attach_point *x, const struct attach_point *y)
{
	if (x->nfields != y->nfields)
		return false;
	for (int i = 0; i < x->nfields; i++) {
		const struct ctx_field *a = &x->fields[i], *b = &y->fields[i];
		if (strcmp(a->name, b->name) || a->builtin != b->builtin || a->read != b->read ||
		    a->offset != b->offset || a->disp != b->disp || a->data_loc != b->data_loc ||
		    !type_equal(a->type, b->type))
			return false;
		if (a->type && b->type && a->type->kind == TY_PTR && a->type->user_ptr != b->type->user_ptr)
			return false;
	}
	return true;
}

static void add_field(struct attach_point *ap, int cap, const char *name, struct type *t,
		      enum ctx_read read, uint32_t offset, int64_t disp, bool builtin)
{
	if (ap->nfields >= cap)
		return;
	ap->fields[ap->nfields++] = (struct ctx_field){
		.name = name, .type = t, .offset = offset, .read = read, .disp = disp,
		.builtin = builtin};
}

/* DWARF parameters of the function at sym (entry only: at an offset into
 * the function the argument registers may hold something else already). */
static void dwarf_fields(struct arena *a, const struct elf_file *f, const char *path,
			 const struct elf_sym *sym, struct attach_point *ap, int cap)
{
	struct dwarf_param *ps;
	int n = dwarf_func_params(a, path, elf_file_build_id(f), sym->name, sym->addr, &ps);
	for (int i = 0; i < n; i++) {
		/* parameters sonde cannot read yet are left out: args.x then
		 * says the probe has no such argument */
		if (!*ps[i].name || !ps[i].type || ps[i].reg < 0)
			continue;
		add_field(ap, cap, ps[i].name, ps[i].type, CTX_LOAD, arg_regs[ps[i].reg], 0, false);
	}
}

static void set_context(struct arena *a, const struct elf_file *f, const char *path,
			const struct elf_sym *dwarf_sym, bool ret, struct attach_point *ap)
{
	/* DWARF parameters in registers: at most 6 */
	int cap = 6 + UPROBE_NSARGS + (dwarf_sym && !ret ? 6 : 0);
	ap->fields = arena_alloc(a, cap * sizeof(*ap->fields));
	ap->nfields = 0;
	struct type *u64 = type_int(a, 8, false);
	if (ret) {
		add_field(ap, cap, "retval", u64, CTX_LOAD, offsetof(struct pt_regs, rax), 0, true);
		return;
	}
	static const char *const argn[6] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5"};
	for (int i = 0; i < 6; i++)
		add_field(ap, cap, argn[i], u64, CTX_LOAD, arg_regs[i], 0, true);
	/* at entry the return address is at sp: the first stack slot above */
	for (int i = 0; i < UPROBE_NSARGS; i++)
		add_field(ap, cap, arena_printf(a, "sarg%d", i), u64, CTX_USER_MEM,
			  offsetof(struct pt_regs, rsp), 8 * (i + 1), true);
	if (dwarf_sym)
		dwarf_fields(a, f, path, dwarf_sym, ap, cap);
}

/* ---------------------------------------------------------------- target */

const struct elf_file *uprobe_target(struct probe_env *env, const struct ast_node *node,
				     const char *type, const char *target, char **path)
{
	*path = NULL;
	if (!*target) {
		diag_error(env->diags, node->loc, "%s needs a binary: %s:/path/to/binary:...", type,
			   type);
		return NULL;
	}
	char *p = env->pid ? proc_resolve_target(env->pid, target) : elf_resolve_target(target);
	if (!p) {
		diag_error(env->diags, node->loc,
			   "%s target file '%s' does not exist or is not executable", type, target);
		if (env->pid)
			diag_hint(env->diags, "with -p a name without '/' is looked up among the files "
					      "process %d has mapped, then as a library and in PATH",
				  env->pid);
		else
			diag_hint(env->diags, "a name without '/' is looked up as a library (ld.so.cache) "
					      "and as a program in PATH; give the full path otherwise");
		return NULL;
	}
	const struct elf_file *f = elf_file_get(p);
	if (!f) {
		int err = errno;
		if (err == ENOEXEC)
			diag_error(env->diags, node->loc, "%s target file '%s' is not an ELF file",
				   type, p);
		else if (err == ENOENT || err == EISDIR || err == ENOTDIR)
			diag_error(env->diags, node->loc,
				   "%s target file '%s' does not exist or is not executable", type, p);
		else
			diag_error(env->diags, node->loc, "%s target file '%s' cannot be read: %s",
				   type, p, strerror(err));
		free(p);
		return NULL;
	}
	*path = arena_strdup(env->arena, p);
	free(p);
	return f;
}

/* ---------------------------------------------------------------- points */

/* FUNC, FUNC+OFF or an address, resolved to a virtual address. */
struct func_spec {
	const char *sym;  /* NULL for an address */
	uint64_t off;	  /* FUNC+OFF */
	uint64_t addr;	  /* the address itself */
	bool is_addr, has_off;
};

static bool parse_u64(const char *s, uint64_t *v)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool parse_func(struct arena *a, const char *text, struct func_spec *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (isdigit((unsigned char)text[0])) {
		fs->is_addr = true;
		return parse_u64(text, &fs->addr);
	}
	const char *plus = strrchr(text, '+');
	if (plus) {
		fs->has_off = true;
		fs->sym = arena_printf(a, "%.*s", (int)(plus - text), text);
		return *fs->sym && parse_u64(plus + 1, &fs->off);
	}
	fs->sym = text;
	return true;
}

static void hint_closest_sym(struct probe_env *env, const struct elf_file *f, const char *type,
			     const char *path, const char *name)
{
	const struct elf_sym *syms;
	int n = elf_file_symbols(f, &syms);
	const char **cands = malloc((n ? n : 1) * sizeof(*cands));
	if (!cands)
		return;
	for (int i = 0; i < n; i++)
		cands[i] = syms[i].name;
	const char *best = diag_closest(name, cands, n);
	if (best)
		diag_hint(env->diags, "did you mean %s:%s:%s?", type, path, best);
	free(cands);
}

/* GCC's partial-inlining fragments (foo.part.0) are left out of wildcards
 * and listings, as bpftrace does: they are not called like functions. */
static bool skip_in_wildcard(const char *name)
{
	return strstr(name, ".part.") != NULL;
}

static struct attach_point *new_point(struct probe_env *env, const struct ast_node *node,
				      const struct probe_provider *p, const char *path)
{
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->target = (char *)path;
	return ap;
}

/* The attach points of one file.  quiet (a file of a glob): a function
 * that is not there is no error.  Returns how many were added, or -1. */
static int expand_file(struct probe_env *env, const struct ast_node *node,
		       const struct probe_provider *prov, bool ret, const char *path,
		       const struct elf_file *f, const struct func_spec *fs, const char *func,
		       bool quiet, struct attach_list *out)
{
	const char *type = prov->name;
	if (fs->is_addr) {
		uint64_t off;
		if (elf_file_offset(f, fs->addr, &off)) {
			if (!quiet)
				diag_error(env->diags, node->loc,
					   "address 0x%llx is not in any loadable segment of %s",
					   (unsigned long long)fs->addr, path);
			return quiet ? 0 : -1;
		}
		struct attach_point *ap = new_point(env, node, prov, path);
		ap->func = arena_strdup(env->arena, func);
		/* bpftrace names an address probe by the address in decimal */
		ap->name = arena_printf(env->arena, "%s:%s:%llu", type, path,
					(unsigned long long)fs->addr);
		const struct elf_sym *s = elf_file_symbol_at(f, fs->addr);
		set_context(env->arena, f, path, s && s->addr == fs->addr ? s : NULL, ret, ap);
		attach_list_push(env->arena, out, ap);
		return 1;
	}

	if (!uprobe_has_wildcard(fs->sym)) {
		const struct elf_sym *s = elf_file_symbol(f, fs->sym);
		if (!s) {
			if (quiet)
				return 0;
			diag_error(env->diags, node->loc, "function '%s' not found in %s", fs->sym, path);
			hint_closest_sym(env, f, type, path, fs->sym);
			return -1;
		}
		if (fs->has_off && s->size && fs->off >= s->size) {
			diag_error(env->diags, node->loc,
				   "offset %llu is outside %s, which is %llu bytes long",
				   (unsigned long long)fs->off, s->name, (unsigned long long)s->size);
			return -1;
		}
		uint64_t off;
		if (elf_file_offset(f, s->addr + fs->off, &off)) {
			diag_error(env->diags, node->loc,
				   "%s is at 0x%llx, which no loadable segment of %s holds", s->name,
				   (unsigned long long)(s->addr + fs->off), path);
			return -1;
		}
		struct attach_point *ap = new_point(env, node, prov, path);
		ap->func = arena_strdup(env->arena, func);
		ap->name = fs->has_off && fs->off
				   ? arena_printf(env->arena, "%s:%s:%s+%llu", type, path, s->name,
						  (unsigned long long)fs->off)
				   : arena_printf(env->arena, "%s:%s:%s", type, path, s->name);
		set_context(env->arena, f, path, fs->off ? NULL : s, ret, ap);
		attach_list_push(env->arena, out, ap);
		return 1;
	}

	const struct elf_sym *syms;
	int n = elf_file_symbols(f, &syms), matched = 0;
	for (int i = 0; i < n; i++) {
		uint64_t off;
		if (skip_in_wildcard(syms[i].name) || fnmatch(fs->sym, syms[i].name, 0) ||
		    elf_file_offset(f, syms[i].addr, &off))
			continue;
		struct attach_point *ap = new_point(env, node, prov, path);
		ap->func = (char *)syms[i].name;
		ap->name = arena_printf(env->arena, "%s:%s:%s", type, path, syms[i].name);
		set_context(env->arena, f, path, &syms[i], ret, ap);
		attach_list_push(env->arena, out, ap);
		matched++;
	}
	if (!matched && !quiet) {
		diag_error(env->diags, node->loc, "no function of %s matches '%s'", path, fs->sym);
		return -1;
	}
	return matched;
}

int uprobe_glob(struct arena *a, const char *pattern, char ***paths)
{
	glob_t g;
	*paths = NULL;
	if (glob(pattern, 0, NULL, &g))
		return 0;
	char **ps = arena_alloc(a, (g.gl_pathc ? g.gl_pathc : 1) * sizeof(*ps));
	int n = 0;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (elf_file_get(g.gl_pathv[i]))
			ps[n++] = arena_strdup(a, g.gl_pathv[i]);
	globfree(&g);
	*paths = ps;
	return n;
}

static int uprobe_expand_common(struct probe_env *env, const struct ast_node *node, char **parts,
				int nparts, struct attach_list *out,
				const struct probe_provider *prov, bool ret)
{
	const char *type = prov->name;
	if (nparts != 3) {
		diag_error(env->diags, node->loc, "%s probe type requires 2 arguments, found %d", type,
			   nparts - 1);
		diag_hint(env->diags, "write %s:BINARY:FUNCTION, e.g. %s:/bin/bash:readline", type,
			  type);
		return -1;
	}
	const char *func = parts[2];
	if (!*func) {
		diag_error(env->diags, node->loc, "%s needs a function: %s:BINARY:FUNCTION", type, type);
		return -1;
	}
	struct func_spec fs;
	if (!parse_func(env->arena, func, &fs)) {
		diag_error(env->diags, node->loc,
			   "'%s' is not a function, FUNCTION+OFFSET or an address", func);
		return -1;
	}
	if (fs.has_off && uprobe_has_wildcard(fs.sym)) {
		diag_error(env->diags, node->loc, "a wildcard cannot be combined with an offset: %s",
			   func);
		return -1;
	}
	if (uprobe_has_wildcard(parts[1])) {
		char **paths;
		int np = uprobe_glob(env->arena, parts[1], &paths), total = 0;
		for (int i = 0; i < np; i++) {
			int k = expand_file(env, node, prov, ret, paths[i], elf_file_get(paths[i]), &fs,
					    func, true, out);
			if (k < 0)
				return -1;
			total += k;
		}
		if (!total) {
			diag_error(env->diags, node->loc, "no %s matches %s:%s", np ? "function" : "ELF file",
				   parts[1], func);
			return -1;
		}
		return 0;
	}
	char *path;
	const struct elf_file *f = uprobe_target(env, node, type, parts[1], &path);
	if (!f)
		return -1;
	return expand_file(env, node, prov, ret, path, f, &fs, func, false, out) < 0 ? -1 : 0;
}

static int uprobe_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			 int nparts, struct attach_list *out)
{
	return uprobe_expand_common(env, node, parts, nparts, out, &probe_uprobe, false);
}

static int uretprobe_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			    int nparts, struct attach_list *out)
{
	return uprobe_expand_common(env, node, parts, nparts, out, &probe_uretprobe, true);
}

/* ------------------------------------------------------ program and attach */

static const char *uprobe_section(struct arena *a, const struct attach_point *ap)
{
	/* libbpf knows the bare names; sonde attaches by hand */
	return ap->provider == &probe_uretprobe ? "uretprobe" : "uprobe";
}

/* arg0..5, sargN and retval are the same registers everywhere; DWARF args
 * differ between functions and matter only to a body that reads args. */
static bool uprobe_same_context(const struct attach_point *x, const struct attach_point *y,
				bool uses_args)
{
	return !uses_args || uprobe_fields_equal(x, y);
}

int uprobe_attach_at(struct loaded_probe *lp, const char *path, uint64_t offset, bool retprobe,
		     uint64_t ref_ctr_offset)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe,
		    .bpf_cookie = (uint64_t)lp->ap->index, .ref_ctr_offset = (size_t)ref_ctr_offset);
	errno = 0;
	/* -p, -c: the kernel fires the uprobe in that process only, and a
	 * semaphore is incremented in that process only */
	int pid = probe_target_pid(lp) > 0 ? probe_target_pid(lp) : -1;
	return probe_link_add(
		lp, bpf_program__attach_uprobe_opts(lp->prog, pid, path, (size_t)offset, &opts), NULL);
}

/* The file offset of an attach point, resolved again from the cached file
 * (attach points carry names, not offsets). */
static int resolve_offset(const struct attach_point *ap, uint64_t *off)
{
	const struct elf_file *f = elf_file_get(ap->target);
	if (!f)
		return -errno;
	struct arena a = {0};
	struct func_spec fs;
	int err = 0;
	if (!parse_func(&a, ap->func, &fs)) {
		err = -EINVAL;
	} else if (fs.is_addr) {
		err = elf_file_offset(f, fs.addr, off);
	} else {
		const struct elf_sym *s = elf_file_symbol(f, fs.sym);
		err = s ? elf_file_offset(f, s->addr + fs.off, off) : -ENOENT;
	}
	arena_free(&a);
	return err;
}

static int uprobe_sites(const struct attach_point *ap, struct uprobe_sites *out)
{
	uint64_t off;
	int err = resolve_offset(ap, &off);
	return err ? err : uprobe_sites_add(out, off, 0, (uint64_t)ap->index);
}

static int uprobe_attach(struct loaded_probe *lp)
{
	if (lp->ap->multi)
		return uprobe_multi_attach(lp, lp->ap->provider == &probe_uretprobe, uprobe_sites);
	uint64_t off;
	int err = resolve_offset(lp->ap, &off);
	if (err) {
		fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name, strerror(-err));
		return err;
	}
	return uprobe_attach_at(lp, lp->ap->target, off, lp->ap->provider == &probe_uretprobe, 0);
}

/* ---------------------------------------------------------------- listing */

static void list_file(const char *type, const char *path, const struct elf_file *f,
		      const char *pat, probe_list_emit_fn emit, void *ctx)
{
	const struct elf_sym *syms;
	int n = elf_file_symbols(f, &syms);
	for (int i = 0; i < n; i++) {
		if (skip_in_wildcard(syms[i].name) || fnmatch(pat, syms[i].name, 0))
			continue;
		char *name;
		if (asprintf(&name, "%s:%s:%s", type, path, syms[i].name) < 0)
			break;
		emit(ctx, name);
		free(name);
	}
}

static void list_common(const char *type, char **parts, int nparts, probe_list_emit_fn emit,
			void *ctx)
{
	/* a binary is needed: "uprobe:/bin/bash:read*"; "uprobe:/bin/bash" lists all */
	if (nparts < 1 || nparts > 2 || !*parts[0])
		return;
	const char *pat = nparts == 2 ? parts[1] : "*";
	if (uprobe_has_wildcard(parts[0])) {
		struct arena a = {0};
		char **paths;
		int np = uprobe_glob(&a, parts[0], &paths);
		for (int i = 0; i < np; i++)
			list_file(type, paths[i], elf_file_get(paths[i]), pat, emit, ctx);
		arena_free(&a);
		return;
	}
	char *path = elf_resolve_target(parts[0]);
	const struct elf_file *f = path ? elf_file_get(path) : NULL;
	if (!f) {
		fprintf(stderr, "sonde: %s target file '%s' does not exist or is not executable\n",
			type, parts[0]);
		free(path);
		return;
	}
	list_file(type, path, f, pat, emit, ctx);
	free(path);
}

/* -lv: every parameter DWARF describes, as bpftrace prints them ("    const
 * char* s"), including the ones args cannot read yet. */
static void uprobe_describe(const struct attach_point *ap, FILE *out)
{
	const struct elf_file *f = elf_file_get(ap->target);
	const struct elf_sym *s = f && ap->func ? elf_file_symbol(f, ap->func) : NULL;
	if (!s)
		return;
	struct arena a = {0};
	struct dwarf_param *ps;
	int n = dwarf_func_params(&a, ap->target, elf_file_build_id(f), s->name, s->addr, &ps);
	for (int i = 0; i < n; i++)
		fprintf(out, "    %s %s\n", ps[i].ctype, ps[i].name);
	arena_free(&a);
}

/* args.name on a parameter left out of the context (see dwarf_fields). */
static const char *uprobe_arg_unreadable(struct arena *a, const struct attach_point *ap,
					 const char *name)
{
	const struct elf_file *f = elf_file_get(ap->target);
	const struct elf_sym *s = f && ap->func ? elf_file_symbol(f, ap->func) : NULL;
	if (!s)
		return NULL;
	struct dwarf_param *ps;
	int n = dwarf_func_params(a, ap->target, elf_file_build_id(f), s->name, s->addr, &ps);
	for (int i = 0; i < n; i++)
		if (!strcmp(ps[i].name, name) && ps[i].unsupported)
			return arena_printf(a, "args.%s (%s %s) of %s cannot be read: %s", name,
					    ps[i].ctype, name, ap->name, ps[i].unsupported);
	return NULL;
}

static void uprobe_list(const struct probe_provider *p, char **parts, int nparts,
			probe_list_emit_fn emit, void *ctx)
{
	list_common(p->name, parts, nparts, emit, ctx);
}

const struct probe_provider probe_uprobe = {
	.name = "uprobe",
	.alias = "u",
	.expand = uprobe_expand,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.section = uprobe_section,
	.same_context = uprobe_same_context,
	.prepare = uprobe_multi_prepare,
	.attach_once = uprobe_multi_attach_once,
	.attach = uprobe_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
	.arg_unreadable = uprobe_arg_unreadable,
	.describe = uprobe_describe,
	.list = uprobe_list,
};

const struct probe_provider probe_uretprobe = {
	.name = "uretprobe",
	.alias = "ur",
	.expand = uretprobe_expand,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.section = uprobe_section,
	.same_context = uprobe_same_context,
	.prepare = uprobe_multi_prepare,
	.attach_once = uprobe_multi_attach_once,
	.attach = uprobe_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
};
