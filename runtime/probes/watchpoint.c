/* watchpoint (w): a hardware breakpoint on a memory address,
 * watchpoint:ADDRESS:LENGTH:MODE.  With -p or -c the address is in that
 * process (the watch follows it on any CPU; -c installs it on the command
 * before it starts); without, a kernel address watched on every CPU.  The
 * program runs, as a perf event program, after each matching access.
 *
 * asyncwatchpoint (aw) only has bpftrace's function form
 * (FUNC+argN, set when FUNC is called), which sonde does not have yet. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/probes/probe.h"

/* The modes x86-64 debug registers can watch (Intel SDM vol. 3, 17.2.4):
 * no read-only watch, no execute combined with data access. */
static const char *const wp_modes[] = {"rw", "w", "x"};
#define WP_NMODES (sizeof(wp_modes) / sizeof(wp_modes[0]))

/* Where x86-64 kernel addresses begin (the upper half of the canonical
 * address space); bpftrace takes an address as the kernel's without -p/-c. */
#define KERNEL_SPACE 0xffff800000000000ULL

struct wp_spec {
	uint64_t addr;
	uint64_t len;
	char mode[4]; /* sorted letters: "rw", "w", "x" */
};

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

static int function_form(struct probe_env *env, const struct ast_node *node, const char *type,
			 const char *where)
{
	diag_error(env->diags, node->loc,
		   "%s on a function argument (%s) is not supported yet: give an absolute address",
		   type, where);
	return -1;
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
	if (!parse_u64(parts[1], &w->addr)) {
		if (*parts[1] && strchr(parts[1], '+') && !isdigit((unsigned char)*parts[1]))
			return function_form(env, node, p->name, parts[1]);
		diag_error(env->diags, node->loc,
			   "%s: the watchpoint address must be an integer (0x hex or decimal), found '%s'",
			   name, parts[1]);
		return -1;
	}
	if (!w->addr) {
		diag_error(env->diags, node->loc, "%s: watchpoint must be attached to a non-zero address",
			   name);
		return -1;
	}
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
	(void)out;
	if (nparts >= 2 && *parts[1] && !isdigit((unsigned char)*parts[1]))
		return function_form(env, node, probe_asyncwatchpoint.name, parts[1]);
	diag_error(env->diags, node->loc, "asyncwatchpoint requires a function name: "
		   "asyncwatchpoint:FUNC+argN:LENGTH:MODE");
	diag_hint(env->diags, "watch an absolute address with watchpoint:ADDRESS:LENGTH:MODE");
	return -1;
}

static const char *wp_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "perf_event";
}

static void wp_attr(const struct wp_spec *w, struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->type = PERF_TYPE_BREAKPOINT;
	attr->size = sizeof(*attr);
	attr->sample_period = 1;
	attr->bp_addr = w->addr;
	attr->bp_len = w->len;
	if (!strcmp(w->mode, "x"))
		attr->bp_type = HW_BREAKPOINT_X;
	else
		attr->bp_type = (strchr(w->mode, 'r') ? HW_BREAKPOINT_R : 0) |
				(strchr(w->mode, 'w') ? HW_BREAKPOINT_W : 0);
}

/* Why the kernel refused the breakpoint, as one sentence. */
static const char *wp_refusal(const struct wp_spec *w, int err, int pid)
{
	switch (err) {
	case EINVAL:
		if (w->addr % w->len)
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

static int wp_attach(struct loaded_probe *lp)
{
	const struct wp_spec *w = (const struct wp_spec *)lp->ap->func;
	int pid = probe_target_pid(lp);
	struct perf_event_attr attr;
	wp_attr(w, &attr);
	/* threads the process starts after attaching are watched too */
	attr.inherit = pid > 0;
	/* Try it once first, for a clear sentence rather than errno's text. */
	attr.disabled = 1;
	int fd = pid > 0 ? (int)syscall(__NR_perf_event_open, &attr, pid, -1, -1,
					PERF_FLAG_FD_CLOEXEC)
			 : (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		const char *why = wp_refusal(w, err, pid);
		fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name,
			why ? why : strerror(err));
		return -err;
	}
	close(fd);
	attr.disabled = 0;
	return probe_perf_attach_attr(lp, &attr, pid);
}

const struct probe_provider probe_watchpoint = {
	.name = "watchpoint",
	.alias = "w",
	.expand = wp_expand,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.section = wp_section,
	.attach = wp_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
};

const struct probe_provider probe_asyncwatchpoint = {
	.name = "asyncwatchpoint",
	.alias = "aw",
	.expand = awp_expand,
	.section = wp_section,
};
