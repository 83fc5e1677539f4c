/* The semantic passes: expand probes, resolve names, infer and check types.
 * Their result is the checked AST plus a description of the program that
 * code generation and the runtime share (maps, events, attach points). */
#ifndef SONDE_SEMA_H
#define SONDE_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "ast/ast.h"
#include "ast/diag.h"
#include "ast/types.h"
#include "runtime/probes/probe.h"

struct stdlib_fn;

/* How a map is laid out in BPF, decided once here and shared by code
 * generation and the runtime's readers. */
struct map_layout {
	int bpf_type;		/* BPF_MAP_TYPE_* */
	uint32_t key_size;	/* bytes; 4 for arrays */
	uint32_t value_size;	/* bytes per CPU for per-CPU maps */
	uint32_t max_entries;
	uint32_t nbuckets;	/* hist/lhist: buckets per user key */
	bool bucket_in_key;	/* hist/lhist in a hash: key = user key + uint64 bucket */
	bool percpu;
	/* a sum in an array: { int64 sum; uint64 written }, the flag telling a
	 * slot never written from a sum of zeros (min and max have theirs) */
	bool sum_written;
	/* > 0: a plain array holding one region of this many entries per CPU,
	 * the slot of CPU c being entry c * cpu_entries + slot; max_entries is
	 * one region's, multiplied by the possible CPUs when loading.  See
	 * map_layout in sema_maps.c. */
	uint32_t cpu_entries;
};

/* The map's slots all exist from the start (an array): a slot never
 * written reads as zeros. */
static inline bool map_layout_is_array(const struct map_layout *l)
{
	return l->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY || l->cpu_entries;
}

/* A map as the program uses it. */
struct sema_map {
	const char *name;	/* "@bytes", "@" */
	struct type *key;	/* storage layout of the key; NULL: no keys */
	struct type *value;	/* storage layout of the value; TY_AGG for aggregations */
	struct src_loc loc;	/* first use */
	struct src_loc value_loc; /* where the value type was fixed */
	int id;
	const char *elf_name;	/* symbol of the BPF map, set by codegen */
	bool keyed_used, unkeyed_used;
	/* delete() names it: a keyless aggregation stays in a hash, whose
	 * delete reaches every CPU's value (an array's slot is only zeroed,
	 * and only the deleting CPU's) */
	bool deleted;
	struct map_layout layout;
};

/* A scratch variable, scoped to its probe. */
struct sema_var {
	const char *name;
	struct type *type;
	struct src_loc loc;
	void *storage;	  /* codegen: LLVM alloca ... */
	void *storage_fn; /* ... in this function */
};

/* An asynchronous event sent through the ring buffer (printf, exit, print,
 * clear, zero, ...): the stdlib entry that emits it also formats it. */
struct sema_event {
	int id;			/* first 8 bytes of the event */
	const struct stdlib_fn *fn;
	struct ast_node *call;
	const char *fmt;	/* printf-style format, checked */
	struct type *args;	/* tuple: layout of the arguments after the id */
	struct sema_map *map;	/* print/clear/zero of a map */
	int64_t consts[2];	/* constant arguments, e.g. print's top and div */
};

/* One compiled BPF program: a probe block for one or more attach points
 * that share a context. */
struct sema_prog {
	struct ast_node *probe;	/* AST_PROBE */
	const struct probe_provider *provider;
	struct attach_point **aps;
	int naps;
	int index;
	const char *section;
	const char *fn_name;	/* set by codegen */
	/* set: not the probe's body but the hidden program of aps[0]
	 * (provider->setup), sending this event with the value it reports */
	struct sema_event *setup_event;
	struct probe_setup setup;
};

/* The process a run is about (-p, -c). */
struct sema_target {
	int64_t filter_pid;	/* -p: probes see only this process (0: all) */
	int64_t cpid;		/* -c: the command's pid, the cpid builtin (0: none) */
	const char *cmd;	/* -c: the command line */
	bool pidns;		/* sonde runs in a pid namespace other than the first: */
	uint64_t pidns_dev, pidns_ino;	/* compare pids as seen from it */
};

struct error_site;

struct sema_program {
	struct ast_node *ast;
	struct arena *arena;
	struct sema_map **maps;
	int nmaps;
	struct sema_event **events;
	int nevents;
	struct sema_prog **progs;
	int nprogs;
	struct attach_point **aps;	/* every attach point; index = probe id */
	int naps;
	/* config = { ... } and command line settings that shape codegen */
	const char **positional;	/* $1.. as given on the command line */
	int npositional;
	struct sema_target target;
	uint32_t strlen;	/* default string size (bpftrace: 64) */
	uint32_t max_map_keys;	/* hash map size (bpftrace: 4096) */
	bool needs_ringbuf;
	/* for reporting a verifier rejection at its script line and column:
	 * the script, and the object codegen made of it (owned by the caller
	 * of codegen_emit) */
	const struct diag_source *src;
	const void *elf;
	size_t elf_len;
	/* runtime faults: -k (count failed probe reads too), and the sites
	 * codegen counts failures at (codegen/cg_errors.c) */
	bool check_helpers;
	struct error_site *error_sites;
	int nerror_sites;
};

struct sema_opts {
	const char **positional;	/* $1.. */
	int npositional;
	bool unsafe;
	struct sema_target target;
};

/* Runs every pass.  Returns NULL (with diagnostics) on error. */
struct sema_program *sema_run(struct arena *a, struct diags *d, struct ast_node *program,
			      const struct sema_opts *opts);

/* A probe compiled into several programs (attach points whose contexts
 * differ) is annotated for one context at a time: code generation calls
 * this before emitting each such program. */
void sema_annotate_prog(struct sema_program *sp, struct sema_prog *p);

/* AST_FIELD on a struct or union from BTF (not args.x): where the field
 * is, for code generation. */
struct sema_member {
	uint32_t bit_offset;	/* from the start of the record */
	uint32_t bitfield_size;	/* 0: not a bitfield */
	bool deref;		/* the operand is a pointer to the record */
	bool user;		/* the record is in user memory */
};

/* Whether n's value lives in kernel or user memory and is read from its
 * address: a BTF field, *p, a[i] through a pointer or such an array. */
bool sema_in_memory(const struct ast_node *n);

/* ----- used by stdlib entries' check hooks ----- */
struct sema;
struct type *sema_check_expr(struct sema *s, struct ast_node *e);
void sema_error(struct sema *s, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct arena *sema_arena(struct sema *s);
/* The map named by an AST_MAP node (created on first use). */
struct sema_map *sema_map_get(struct sema *s, struct ast_node *m);
/* Checks the keys of the map expression m (AST_MAP) and records their type,
 * without reading its value (has_key, delete); returns the value type. */
struct type *sema_check_map_keys(struct sema *s, struct ast_node *m);
struct sema_event *sema_add_event(struct sema *s, const struct stdlib_fn *fn, struct ast_node *call);
struct sema_prog *sema_current_prog(struct sema *s);
const struct sema_program *sema_program(struct sema *s);
/* The program's file name as diagnostics give it ("-e" for a one-liner). */
const char *sema_source_name(struct sema *s);
bool sema_final(struct sema *s);
/* A hint under the error just reported (final pass only). */
void sema_hint(struct sema *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<what> is not supported yet" at loc. */
void sema_unsupported(struct sema *s, struct src_loc loc, const char *what);	/* errors are reported only in the final pass */
/* Integer value of a constant expression (literal, positional, -literal). */
bool sema_const_int(struct sema *s, struct ast_node *e, int64_t *out);
/* The type a typespec names (casts, sizeof, offsetof): C integer names,
 * bool, void *, struct/union/enum from kernel BTF, pointers, arrays.
 * NULL after an error at loc (unknown names get a closest-name hint). */
struct type *sema_typespec(struct sema *s, const struct ast_typespec *ts, struct src_loc loc);
/* The layout a value takes in a map, an event or a key: ints widen to 64 bits. */
struct type *sema_storage_type(struct arena *a, struct type *t);

#endif
