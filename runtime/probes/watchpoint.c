/* watchpoint (w): a hardware breakpoint on a memory address,
 * watchpoint:ADDRESS:LENGTH:MODE.  With -p or -c the address is in that
 * process (the watch follows it on any CPU; -c installs it on the command
 * before it starts); without, a kernel address watched on every CPU.  The
 * program runs, as a perf event program, after each matching access.
 *
 * The function form, watchpoint:FUNC+argN:LENGTH:MODE (-p or -c only),
 * watches the address FUNC of the process's binary gets as argument N,
 * each time FUNC is called with an address not watched yet: a hidden
 * uprobe program on FUNC (probe_setup) stops the process with SIGSTOP and
 * reports the address; the runtime opens the breakpoint and resumes the
 * process with SIGCONT, so no access is missed.  asyncwatchpoint (aw) has
 * only the function form and does not stop the process: accesses before
 * the breakpoint is open are missed.  unwatch(addr) closes a watch. */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/hwbp.h"
#include "runtime/probes/probe.h"
#include "runtime/probes/pt_regs.h"
#include "runtime/probes/uprobe.h"

/* The modes x86-64 debug registers can watch (Intel SDM vol. 3, 17.2.4):
 * no read-only watch, no execute combined with data access. */
static const char *const wp_modes[] = {"rw", "w", "x"};
#define WP_NMODES (sizeof(wp_modes) / sizeof(wp_modes[0]))

/* Where x86-64 kernel addresses begin (the upper half of the canonical
 * address space); bpftrace takes an address as the kernel's without -p/-c. */
#define KERNEL_SPACE 0xffff800000000000ULL

struct wp_spec {
	uint64_t addr;	/* 0 in the function form */
	uint64_t len;
	char mode[4]; /* sorted letters: "rw", "w", "x" */
	/* the function form: FUNC's file offset in ap->target, argument N */
	uint64_t offset;
	int argn;
	bool async;
};

/* The registers of arguments 0 to 5 (System V x86-64). */
static const char *const arg_regs[] = {"di", "si", "dx", "cx", "r8", "r9"};
#define WP_NARGS (int)(sizeof(arg_regs) / sizeof(arg_regs[0]))

/* The addresses a function-form probe watches, one per link of its
 * loaded probe (lp->links[i] watches addrs[i]). */
struct wp_watches {
	uint64_t *addrs;
	int len;
};

static const struct wp_spec *wp_of(const struct attach_point *ap)
{
	return (const struct wp_spec *)ap->func;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !*end && !errno;
}

/* Sorts the mode letters into out; reports what is wrong with them. */
static int parse_mode(struct probe_env *env, const struct ast_node *node, const char *name,
		      const char *mode, char out[4])
{
	bool seen[3] = {false, false, false};
	static const char letters[] = "rwx";
	for (const char *c = mode; *c; c++) {
		const char *l = strchr(letters, *c);
		if (!l) {
			diag_error(env->diags, node->loc,
				   "%s: watchpoint mode must be a combination of r, w and x, found '%s'",
				   name, mode);
			return -1;
		}
		if (seen[l - letters]) {
			diag_error(env->diags, node->loc,
				   "%s: watchpoint modes may not be duplicated, found '%s'", name, mode);
			return -1;
		}
		seen[l - letters] = true;
	}
	if (!*mode) {
		diag_error(env->diags, node->loc,
			   "%s: watchpoint mode must be a combination of r, w and x, found none", name);
		return -1;
	}
	int n = 0;
	for (int i = 0; i < 3; i++)
		if (seen[i])
			out[n++] = letters[i];
	out[n] = '\0';
	for (size_t i = 0; i < WP_NMODES; i++)
		if (!strcmp(out, wp_modes[i]))
			return 0;
	diag_error(env->diags, node->loc, "%s: invalid watchpoint mode: %s", name, out);
	diag_hint(env->diags, "supported modes: rw, w, x");
	return -1;
}

/* LENGTH and MODE, the same in both forms. */
static int parse_len_mode(struct probe_env *env, const struct ast_node *node, char **parts,
			  struct wp_spec *w)
{
	const char *name = node->str;
	if (!parse_u64(parts[2], &w->len) ||
	    (w->len != 1 && w->len != 2 && w->len != 4 && w->len != 8)) {
		diag_error(env->diags, node->loc,
			   "%s: watchpoint length must be one of 1, 2, 4 or 8, found '%s'", name,
			   parts[2]);
		return -1;
	}
	if (parse_mode(env, node, name, parts[3], w->mode))
		return -1;
	if (!strcmp(w->mode, "x") && w->len != sizeof(long)) {
		diag_error(env->diags, node->loc,
			   "%s: an execute (x) watchpoint must have length %zu on this machine", name,
			   sizeof(long));
		return -1;
	}
	return 0;
}

/* The program -c runs (its command's first word, as written) or the -p
 * process's executable: where FUNC is. */
static char *process_binary(struct probe_env *env)
{
	if (env->pid) {
		char link[64], buf[4096];
		snprintf(link, sizeof(link), "/proc/%d/exe", env->pid);
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);
		if (n <= 0)
			return arena_strdup(env->arena, link);
		buf[n] = 0;
		return arena_strdup(env->arena, buf);
	}
	const char *c = env->cmd ? env->cmd : "";
	c += strspn(c, " \t\n");
	return arena_printf(env->arena, "%.*s", (int)strcspn(c, " \t\n"), c);
}

/* FUNC+argN: the function, and which argument holds the address. */
static int expand_function(struct probe_env *env, const struct ast_node *node,
			   const struct probe_provider *p, const char *where, struct wp_spec *w,
			   struct attach_list *out)
{
	const char *name = node->str;
	const char *plus = strrchr(where, '+');
	const char *argn = plus ? plus + 1 : "";
	char *end = NULL;
	long n = -1;
	if (!strncmp(argn, "arg", 3) && isdigit((unsigned char)argn[3]))
		n = strtol(argn + 3, &end, 10);
	if (!plus || plus == where || n < 0 || *end) {
		diag_error(env->diags, node->loc,
			   "%s: the function form is FUNC+argN, the argument holding the address to "
			   "watch, found '%s'", name, where);
		diag_hint(env->diags, "for example %s:increment+arg0:4:w", p->name);
		return -1;
	}
	if (n >= WP_NARGS) {
		diag_error(env->diags, node->loc,
			   "%s: x86-64 passes arg0 to arg%d in registers, found arg%ld", name,
			   WP_NARGS - 1, n);
		return -1;
	}
	if (!env->pid && !env->cpid) {
		diag_error(env->diags, node->loc,
			   "%s: the function form needs -p PID or -c CMD, the process whose "
			   "function it watches", name);
		return -1;
	}
	char *func = arena_printf(env->arena, "%.*s", (int)(plus - where), where);
	if (uprobe_has_wildcard(func)) {
		diag_error(env->diags, node->loc,
			   "%s: a wildcard in the watched function is not supported", name);
		return -1;
	}
	char *binary = process_binary(env), *path;
	const struct elf_file *f = uprobe_target(env, node, p->name, binary, &path);
	if (!f)
		return -1;
	const struct elf_sym *sym = elf_file_symbol(f, func);
	if (!sym) {
		diag_error(env->diags, node->loc, "%s: function '%s' not found in %s", name, func,
			   path);
		return -1;
	}
	if (elf_file_offset(f, sym->addr, &w->offset)) {
		diag_error(env->diags, node->loc, "%s is at 0x%llx, which no loadable segment of %s "
			   "holds", func, (unsigned long long)sym->addr, path);
		return -1;
	}
	w->argn = (int)n;
	w->async = p == &probe_asyncwatchpoint;
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->func = (char *)w;
	ap->target = path;
	/* bpftrace names it by the binary, as -c gives it, and the function */
	ap->name = arena_printf(env->arena, "%s:%s:%s:%" PRIu64 ":%s", p->name,
				env->pid ? path : binary, func, w->len, w->mode);
	attach_list_push(env->arena, out, ap);
	return 0;
}

static int wp_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		     int nparts, struct attach_list *out)
{
	const struct probe_provider *p = &probe_watchpoint;
	if (nparts != 4) {
		diag_error(env->diags, node->loc,
			   "watchpoint needs an address, a length and a mode: "
			   "watchpoint:ADDRESS:LENGTH:MODE, found %d part%s",
			   nparts - 1, nparts == 2 ? "" : "s");
		diag_hint(env->diags, "for example watchpoint:0x10000000:8:w");
		return -1;
	}
	const char *name = node->str;
	struct wp_spec *w = arena_alloc(env->arena, sizeof(*w));
	bool function = *parts[1] && !isdigit((unsigned char)*parts[1]) && strchr(parts[1], '+');
	if (!function && !parse_u64(parts[1], &w->addr)) {
		diag_error(env->diags, node->loc,
			   "%s: the watchpoint address must be an integer (0x hex or decimal), found '%s'",
			   name, parts[1]);
		diag_hint(env->diags, "or FUNC+argN: the address function FUNC gets as argument N");
		return -1;
	}
	if (!function && !w->addr) {
		diag_error(env->diags, node->loc, "%s: watchpoint must be attached to a non-zero address",
			   name);
		return -1;
	}
	if (parse_len_mode(env, node, parts, w))
		return -1;
	if (function)
		return expand_function(env, node, p, parts[1], w, out);
	if (w->addr < KERNEL_SPACE && !env->pid && !env->cpid) {
		diag_error(env->diags, node->loc,
			   "%s: a user-space address needs -p PID or -c CMD, the process to watch",
			   name);
		diag_hint(env->diags, "without -p or -c a watchpoint watches a kernel address");
		return -1;
	}
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->func = (char *)w; /* the watch, for attach */
	ap->period = w->addr;
	/* bpftrace names it with the address in decimal, the mode sorted */
	ap->name = arena_printf(env->arena, "%s:%" PRIu64 ":%" PRIu64 ":%s", p->name, w->addr,
				w->len, w->mode);
	attach_list_push(env->arena, out, ap);
	return 0;
}

static int awp_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		      int nparts, struct attach_list *out)
{
	const struct probe_provider *p = &probe_asyncwatchpoint;
	if (nparts != 4 || !*parts[1] || isdigit((unsigned char)*parts[1])) {
		diag_error(env->diags, node->loc, "asyncwatchpoint requires a function name: "
			   "asyncwatchpoint:FUNC+argN:LENGTH:MODE");
		diag_hint(env->diags, "watch an absolute address with watchpoint:ADDRESS:LENGTH:MODE");
		return -1;
	}
	struct wp_spec *w = arena_alloc(env->arena, sizeof(*w));
	if (parse_len_mode(env, node, parts, w))
		return -1;
	return expand_function(env, node, p, parts[1], w, out);
}

static const char *wp_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "perf_event";
}

/* The function form's hidden program: a uprobe on FUNC reporting argN. */
static bool wp_setup(const struct attach_point *ap, struct probe_setup *out)
{
	const struct wp_spec *w = wp_of(ap);
	if (w->addr)
		return false;
	out->section = "uprobe";
	out->value_offset = (uint32_t)pt_regs_offset(arg_regs[w->argn]);
	out->stop = !w->async;
	return true;
}

static void wp_attr(const struct wp_spec *w, uint64_t addr, struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->type = PERF_TYPE_BREAKPOINT;
	attr->size = sizeof(*attr);
	attr->sample_period = 1;
	attr->bp_addr = addr;
	attr->bp_len = w->len;
	if (!strcmp(w->mode, "x"))
		attr->bp_type = HW_BREAKPOINT_X;
	else
		attr->bp_type = (strchr(w->mode, 'r') ? HW_BREAKPOINT_R : 0) |
				(strchr(w->mode, 'w') ? HW_BREAKPOINT_W : 0);
}

/* Why the kernel refused the breakpoint, as one sentence. */
static const char *wp_refusal(const struct wp_spec *w, uint64_t addr, int err, int pid)
{
	switch (err) {
	case EINVAL:
		if (addr % w->len)
			return "the kernel watches only addresses aligned to the length: "
			       "the address is not a multiple of it";
		return pid ? "the kernel refuses this address, length or mode"
			   : "the kernel refuses a watchpoint with this mode at this kernel address";
	case ENOSPC:
		return "no free hardware breakpoint register (x86-64 has 4 per CPU)";
	case ESRCH:
		return "the process is gone";
	case ENOENT:
	case EOPNOTSUPP:
		return "this machine has no hardware breakpoints";
	default:
		return NULL;
	}
}

/* Opens the breakpoint once, disabled, to learn whether the kernel takes
 * it (for a clear sentence rather than errno's text); 0 or -errno. */
static int wp_try(const struct perf_event_attr *tmpl, int pid)
{
	struct perf_event_attr attr = *tmpl;
	attr.disabled = 1;
	int fd = pid > 0 ? (int)syscall(__NR_perf_event_open, &attr, pid, -1, -1,
					PERF_FLAG_FD_CLOEXEC)
			 : (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Some virtual machines open breakpoints that never fire: a run on one
 * would count nothing and say nothing, so it fails before it starts (and
 * the function form, whose breakpoints open only once FUNC is called, fails
 * here too where none can be opened at all). */
static int wp_check_fires(const struct loaded_probe *lp)
{
	const char *why;
	int r = hwbp_fires(&why);
	if (r > 0)
		return 0;
	fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name, why);
	return r < 0 ? r : -EOPNOTSUPP;
}

/* Watches addr for lp's program; on error says why (ENOSPC too unless
 * quiet_nospc) and returns -errno. */
static int wp_open(struct loaded_probe *lp, const struct wp_spec *w, uint64_t addr, int pid,
		   bool quiet_nospc)
{
	struct perf_event_attr attr;
	wp_attr(w, addr, &attr);
	/* threads the process starts after attaching are watched too */
	attr.inherit = pid > 0;
	int err = wp_try(&attr, pid);
	if (err) {
		if (err == -ENOSPC && quiet_nospc)
			return err;
		const char *why = wp_refusal(w, addr, -err, pid);
		if (w->addr)
			fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name,
				why ? why : strerror(-err));
		else
			fprintf(stderr, "sonde: cannot watch 0x%" PRIx64 " for %s: %s\n", addr,
				lp->ap->name, why ? why : strerror(-err));
		return err;
	}
	/* after the refusals: those are about this watch, true on any machine */
	err = wp_check_fires(lp);
	if (err)
		return err;
	return probe_perf_attach_attr(lp, &attr, pid);
}

static int wp_attach(struct loaded_probe *lp)
{
	const struct wp_spec *w = wp_of(lp->ap);
	if (w->addr)
		return wp_open(lp, w, w->addr, probe_target_pid(lp), false);
	/* the function form's breakpoints open later, while the process runs:
	 * whether they can fire is known now */
	int err = wp_check_fires(lp);
	if (err)
		return err;
	if (lp->setup)
		return uprobe_attach_at(lp, lp->ap->target, w->offset, false, 0);
	/* the watches come as FUNC is called */
	lp->priv = calloc(1, sizeof(struct wp_watches));
	return lp->priv ? 0 : -ENOMEM;
}

static bool wp_watching(const struct wp_watches *ws, uint64_t addr)
{
	for (int i = 0; i < ws->len; i++)
		if (ws->addrs[i] == addr)
			return true;
	return false;
}

/* FUNC was called with addr: watch it (once); the runtime then resumes the
 * process the synchronous form stopped. */
static int wp_setup_report(struct loaded_probe *lp, uint64_t addr)
{
	const struct wp_spec *w = wp_of(lp->ap);
	struct wp_watches *ws = lp->priv;
	int err = 0;
	if (ws && !wp_watching(ws, addr)) {
		uint64_t *addrs = realloc(ws->addrs, sizeof(*addrs) * ((size_t)ws->len + 1));
		if (!addrs)
			err = -ENOMEM;
		else
			ws->addrs = addrs;
		int first = lp->nlinks;
		if (!err)
			err = wp_open(lp, w, addr, probe_target_pid(lp), true);
		/* a process being watched has one link per address */
		if (!err && lp->nlinks == first + 1)
			ws->addrs[ws->len++] = addr;
	}
	return err;
}

static void wp_unwatch(struct loaded_probe *lp, uint64_t addr)
{
	const struct wp_spec *w = wp_of(lp->ap);
	struct wp_watches *ws = lp->priv;
	if (w->addr) {
		if (w->addr != addr)
			return;
		for (int i = 0; i < lp->nlinks; i++)
			bpf_link__destroy(lp->links[i]);
		lp->nlinks = 0;
		return;
	}
	for (int i = 0; ws && i < ws->len; i++) {
		if (ws->addrs[i] != addr)
			continue;
		bpf_link__destroy(lp->links[i]);
		memmove(&lp->links[i], &lp->links[i + 1], sizeof(*lp->links) * (size_t)(lp->nlinks - i - 1));
		memmove(&ws->addrs[i], &ws->addrs[i + 1], sizeof(*ws->addrs) * (size_t)(ws->len - i - 1));
		lp->nlinks--;
		ws->len--;
		return;
	}
}

static void wp_detach(struct loaded_probe *lp)
{
	struct wp_watches *ws = lp->priv;
	if (ws)
		free(ws->addrs);
	free(ws);
	lp->priv = NULL;
	/* a stop whose report came too late to be handled must not leave the
	 * process stopped */
	const struct wp_spec *w = wp_of(lp->ap);
	if (lp->setup && !w->async && probe_target_pid(lp) > 0)
		kill(probe_target_pid(lp), SIGCONT);
	probe_perf_detach(lp);
}

/* The two types differ only in the attach points they take. */
#define WP_HOOKS                                                                       \
	.prog_type = BPF_PROG_TYPE_PERF_EVENT, .section = wp_section, .attach = wp_attach, \
	.detach = wp_detach, .pid_at_attach = true, .setup = wp_setup,                     \
	.setup_report = wp_setup_report, .unwatch = wp_unwatch

const struct probe_provider probe_watchpoint = {
	.name = "watchpoint",
	.alias = "w",
	.expand = wp_expand,
	WP_HOOKS,
};

const struct probe_provider probe_asyncwatchpoint = {
	.name = "asyncwatchpoint",
	.alias = "aw",
	.expand = awp_expand,
	WP_HOOKS,
};
