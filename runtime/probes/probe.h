/* Probe providers: one per probe type, each a small table of functions
 * (see DESIGN.md).  The semantic pass asks a provider to expand the attach
 * points written in a probe; code generation asks it for the program type,
 * the section and the context; the runtime asks it to attach and detach. */
#ifndef SONDE_PROBE_H
#define SONDE_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>

#include "ast/ast.h"
#include "ast/diag.h"
#include "ast/types.h"

struct bpf_program;
struct bpf_link;
struct perf_event_attr;
struct probe_provider;

/* How code generation reads a context value. */
enum ctx_read {
	CTX_LOAD,     /* the value at ctx + offset: a tracepoint field (integers,
		       * or char arrays copied out), a pt_regs register, a u64
		       * argument slot of fentry or raw_tp; integers are loaded
		       * at type->size bytes (little-endian: a narrower argument
		       * in a 64-bit register is its low bytes) */
	CTX_USER_MEM, /* an integer of type->size bytes in user memory at the
		       * register at ctx + offset, plus disp (usdt "8@-8(%rbp)") */
	CTX_CONST,    /* the constant disp (usdt "-4@$5") */
};

/* One field of a tracepoint record, one argument of a function, or a
 * context builtin such as arg0 or retval. */
struct ctx_field {
	const char *name;
	struct type *type;
	uint32_t offset;	/* byte offset in the context record */
	bool data_loc;		/* __data_loc: offset/length word, pointing into the record */
	enum ctx_read read;
	int64_t disp;		/* CTX_USER_MEM displacement, CTX_CONST value */
	bool builtin;		/* named by an identifier (arg0, retval), not args.name */
};

/* One concrete attach point after expansion. */
struct attach_point {
	const struct probe_provider *provider;
	char *name;	     /* canonical full name: "tracepoint:syscalls:sys_enter_read" */
	char *target;	     /* tracepoint category, unit of interval/profile, binary */
	char *func;	     /* tracepoint name, function */
	uint64_t period;     /* interval/profile: nanoseconds or hz, per unit */
	struct src_loc loc;  /* of the attach point as written */
	/* context: what args.x means here (tracepoint fields, BTF arguments);
	 * read them through attach_point_fields, which loads them on first use */
	struct ctx_field *fields;
	int nfields;
	bool fields_pending;	/* args fields left to provider->load_fields */
	bool fields_failed;	/* load_fields failed (and said why) */
	int index;	     /* in the program's list of all attach points (probe builtin) */
	/* Several attach points served by one attachment (one program on
	 * raw_syscalls:sys_enter for many sys_enter_* tracepoints): the
	 * program tells them apart by the u64 at ctx + dispatch_offset, which
	 * equals dispatch_key for this attach point. */
	bool dispatch;
	uint32_t dispatch_offset;
	uint64_t dispatch_key;
	/* Attached together with the program's other attach points through
	 * one multi link (uprobe_multi, kprobe_multi); set by prepare. */
	bool multi;
	/* The program returns at once when the u64 at ctx + skip_null_offset
	 * is 0 (an iterator's last call, past its last object). */
	bool skip_null;
	uint32_t skip_null_offset;
	/* An iterator's program writes a byte to its seq file per object, so
	 * that a read() of the iterator ends after as many objects as it
	 * asks bytes (runtime/probes/iter.c). */
	bool seq_tick;
};

struct attach_list {
	struct attach_point **items;
	int len, cap;
};

/* What a probe provider needs from the rest of sonde while expanding. */
struct probe_env {
	struct arena *arena;
	struct diags *diags;
	/* $1, $2, ... substituted in attach point text (bpftrace does this);
	 * a parameter not given becomes "". */
	const char *const *positional;
	int npositional;
	/* -p: the process whose binaries uprobe and usdt targets name (0: none) */
	int pid;
	/* -c: the command's process (0: none) */
	int cpid;
	/* -c: the command line, whose first word is the program it runs */
	const char *cmd;
};

/* -l: receives each matching attach point name. */
typedef void (*probe_list_emit_fn)(void *ctx, const char *name);

/* One attached BPF program instance. */
struct loaded_probe {
	const struct attach_point *ap;
	struct bpf_program *prog;
	struct bpf_link **links; /* one per CPU for profile, else one */
	int nlinks;
	int *perf_fds;
	int nperf_fds;
	int pid;		/* -p: attach to this process only, where the type can (0: all) */
	int child_pid;		/* -c: the command's process, held until every probe is attached */
	/* every attach point of the program (a multi link attaches them all) */
	struct attach_point *const *aps;
	int naps;
	/* For run: shows the events the probe has produced so far (consumes
	 * the ring buffer); set by the runtime. */
	void (*drain)(void *ctx);
	void *drain_ctx;
	/* the hidden program of ap (provider->setup), not the probe's own */
	bool setup;
	void *priv;		/* the provider's own state, freed by its detach */
};

/* A program sonde writes itself for an attach point, beside the probe's
 * own: watchpoint:FUNC+argN's uprobe on FUNC, which reports argument N
 * (the address to watch) to the runtime before FUNC runs. */
struct probe_setup {
	const char *section;	/* libbpf section of the hidden program */
	uint32_t value_offset;	/* the u64 reported: at ctx + value_offset */
	bool stop;		/* SIGSTOP the process first (the runtime resumes it) */
};

struct probe_provider {
	const char *name, *alias, *alias2; /* "tracepoint", "t" */
	/* Parses the attach point text (parts split at ':') and appends the
	 * matching attach points to out.  Reports errors (with hints) through
	 * env->diags at the attach point's location and returns -1. */
	int (*expand)(struct probe_env *env, const struct ast_node *ap,
		      char **parts, int nparts, struct attach_list *out);
	enum bpf_prog_type prog_type;
	/* libbpf section name of the program for this attach point. */
	const char *(*section)(struct arena *a, const struct attach_point *ap);
	/* Optional: fills ap->fields with the args fields that expand left
	 * pending (fields_pending), when something first needs them: reading
	 * a tracepoint's format file costs more than expanding the attach
	 * point.  Builtin fields (argN, retval) are never left pending.
	 * Reports errors through d at ap->loc and returns -1, with ap->fields
	 * left as they were. */
	int (*load_fields)(struct arena *a, struct diags *d, struct attach_point *ap);
	/* Whether two attach points can share one compiled program; uses_args:
	 * the probe's body reads args, so their args must agree (and both
	 * attach points' fields have then been loaded). */
	bool (*same_context)(const struct attach_point *x, const struct attach_point *y,
			     bool uses_args);
	/* When set and true for an attach point, one attachment of the program
	 * serves all of its attach points (dispatch, kprobe_multi): the
	 * runtime attaches the program once, through its first attach point. */
	bool (*attach_once)(const struct attach_point *ap);
	/* Optional, after the object is opened and before it is loaded: how
	 * the program of these attach points will attach (a multi link needs
	 * its expected attach type set before loading; sets ap->multi). */
	void (*prepare)(struct bpf_program *prog, struct attach_point **aps, int naps);
	/* Attach; on error print one clear sentence to stderr and return -errno. */
	int (*attach)(struct loaded_probe *lp);
	/* Optional, once after BEGIN: runs the attached probe to completion
	 * (reads an iterator to its end); returns 1 when the run should then
	 * end as after exit(), 0 to go on, -errno on error. */
	int (*run)(struct loaded_probe *lp);
	/* The probe's only attach point, and no other probes besides BEGIN
	 * and END (an iterator runs once and ends the run). */
	bool runs_alone;
	/* Optional extra teardown beyond destroying lp->links. */
	void (*detach)(struct loaded_probe *lp);
	/* BEGIN/END are run by the runtime, not attached to events. */
	bool run_by_runtime;
	/* args.name that the attach point's debug info describes but sonde
	 * cannot read (a struct by value, a float): a sentence saying which
	 * and why, arena-allocated; NULL when name is no such parameter. */
	const char *(*arg_unreadable)(struct arena *a, const struct attach_point *ap,
				      const char *name);
	/* -lv: prints the attach point's arguments ("    TYPE NAME" lines);
	 * NULL: its non-builtin context fields and retval, typed. */
	void (*describe)(const struct attach_point *ap, FILE *out);
	/* -p is applied when attaching (perf events, uprobes), not by a
	 * predicate in the program. */
	bool pid_at_attach;
	/* argN reads context offsets that not every attach point has (a raw
	 * tracepoint has as many arguments as its function): for
	 * same_context, a probe that uses argN uses args. */
	bool argn_is_args;
	/* Said when the kernel refuses to load this type's programs without
	 * a verifier complaint (e.g. no BPF trampolines for fentry). */
	const char *load_failure;
	/* -l: emits every attach point name of this type that matches the glob
	 * parts following the type in the pattern (nparts 0: all of them).
	 * NULL: the type lists nothing (interval, profile). */
	void (*list)(const struct probe_provider *p, char **parts, int nparts,
		     probe_list_emit_fn emit, void *ctx);
	/* Optional: whether the attach point needs a hidden program (fills
	 * *out); code generation writes it, the runtime attaches it through
	 * attach with lp->setup set. */
	bool (*setup)(const struct attach_point *ap, struct probe_setup *out);
	/* The hidden program reported value: lp is the probe's own loaded
	 * probe.  Returns 0 or -errno (-ENOSPC: no debug register free), with
	 * nothing printed. */
	int (*setup_report)(struct loaded_probe *lp, uint64_t value);
	/* unwatch(addr): stop watching addr, if this probe watches it. */
	void (*unwatch)(struct loaded_probe *lp, uint64_t addr);
};

/* The table of providers. */
const struct probe_provider *probe_provider_find(const char *name);
extern const struct probe_provider *const probe_providers[];
extern const int probe_provider_count;

void attach_list_push(struct arena *a, struct attach_list *l, struct attach_point *ap);
/* The attach point's context fields (in *fields; their count returned).
 * args: the caller wants args fields too, not only the builtin ones, so
 * fields still pending are loaded now (a, the arena ap lives in; errors
 * through d, reported once).  Returns -1 when the args fields cannot be
 * loaded. */
int attach_point_fields(struct attach_point *ap, struct arena *a, struct diags *d, bool args,
			const struct ctx_field **fields);
/* The field called name among fields[0..n), args (builtin false) or
 * builtin (arg0, retval); NULL when there is none. */
const struct ctx_field *ctx_field_find(const struct ctx_field *fields, int n, const char *name,
				       bool builtin);
struct attach_point *attach_point_new(struct arena *a, const struct probe_provider *p,
				      const struct ast_node *ap);

/* The providers of this slice. */
extern const struct probe_provider probe_begin;
extern const struct probe_provider probe_end;
extern const struct probe_provider probe_tracepoint;
extern const struct probe_provider probe_interval;
extern const struct probe_provider probe_profile;
extern const struct probe_provider probe_uprobe, probe_uretprobe;
extern const struct probe_provider probe_usdt;
extern const struct probe_provider probe_kprobe;
extern const struct probe_provider probe_kretprobe;
extern const struct probe_provider probe_fentry;
extern const struct probe_provider probe_fexit;
extern const struct probe_provider probe_rawtracepoint;
extern const struct probe_provider probe_software;
extern const struct probe_provider probe_hardware;
extern const struct probe_provider probe_watchpoint, probe_asyncwatchpoint;
extern const struct probe_provider probe_iter;

/* Expands attach point text: splits at ':' (quotes respected), finds the
 * provider (by name or alias) and calls its expand. */
int probe_expand(struct probe_env *env, const struct ast_node *ap, struct attach_list *out);

/* Splits attach point text at ':' outside double quotes, drops the quotes
 * and backslash escapes inside them, substitutes $N.  Returns the number of
 * parts (arena-allocated in *parts). */
int probe_split(struct arena *a, const char *text, const char *const *positional,
		int npositional, char ***parts);

/* Keeps link l (from a libbpf attach call) in lp.  When l is NULL, prints
 * one sentence, "sonde: cannot attach NAME: REASON" (reason: why, or
 * errno's text when why is NULL), and returns -errno. */
/* The one process a uprobe, usdt probe or watchpoint attaches to: -p's, else
 * -c's command (as bpftrace does), else 0: every process. */
static inline int probe_target_pid(const struct loaded_probe *lp)
{
	return lp->pid > 0 ? lp->pid : lp->child_pid;
}

int probe_link_add(struct loaded_probe *lp, struct bpf_link *l, const char *why);

/* Attaches through the provider (a no-op for BEGIN/END). */
int probe_attach(struct loaded_probe *lp);
/* Destroys lp->links, runs the provider's detach, frees the arrays; safe to
 * call twice and after a failed attach. */
void probe_detach(struct loaded_probe *lp);

/* Shared by the perf-event providers (runtime/probes/perf_event.c). */
/* Parses "UNIT:N" or "N[unit]" (nanoseconds when no unit) into ap->target
 * and ap->period (nanoseconds; hz stays a frequency when keep_hz) and sets
 * ap->name.  Reports errors at the attach point and returns -1. */
int probe_parse_timer(struct probe_env *env, const struct ast_node *node,
		      const struct probe_provider *p, char **parts, int nparts,
		      bool keep_hz, struct attach_point *ap);
/* Opens a software cpu-clock perf event on the first online CPU (all_cpus
 * false) or on every online CPU, sampling every period nanoseconds (or
 * freq times a second), and attaches lp->prog to each, with the attach
 * point's index as the BPF cookie. */
int probe_perf_attach(struct loaded_probe *lp, bool all_cpus, bool freq, uint64_t value);
/* The same for any perf event (PERF_TYPE_SOFTWARE/HARDWARE and config). */
int probe_perf_attach_event(struct loaded_probe *lp, uint32_t type, uint64_t config,
			    bool all_cpus, bool freq, uint64_t value);
/* Any perf event (a hardware breakpoint): on process pid when pid > 0,
 * else on every online CPU. */
int probe_perf_attach_attr(struct loaded_probe *lp, const struct perf_event_attr *attr, int pid);
void probe_perf_detach(struct loaded_probe *lp);
/* Online CPU numbers from /sys/devices/system/cpu/online; returns the count
 * (malloc'd array in *cpus) or -errno. */
int probe_online_cpus(int **cpus);

#endif
