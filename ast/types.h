/* The type system shared by the semantic passes, code generation and the
 * runtime's printers.  Types live in the front end's arena. */
#ifndef SONDE_TYPES_H
#define SONDE_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast/arena.h"

enum type_kind {
	TY_NONE,   /* not yet known (inference in progress) */
	TY_VOID,   /* statements and functions without a value */
	TY_INT,	   /* size 1, 2, 4 or 8; is_signed */
	TY_BOOL,   /* size 1 in memory; prints as true/false */
	TY_STRING, /* NUL-padded, bounded: size bytes including the NUL */
	TY_TUPLE,  /* fields[], offsets[]; size includes padding */
	TY_PTR,	   /* elem; size 8 */
	TY_RECORD, /* struct/union from BTF or a C definition: name */
	TY_ARRAY,  /* elem[count] */
	TY_AGG,	   /* an aggregation's per-CPU state in a map: agg */
	TY_PROBE,  /* the probe builtin: a uint64 index into the program's probe names */
	TY_SPECIAL, /* bytes the runtime turns into text its own way: special */
	TY_ERROR,  /* an error was reported; suppresses follow-up errors */
};

enum agg_kind {
	AGG_NONE,
	AGG_COUNT,
	AGG_SUM,
	AGG_MIN,
	AGG_MAX,
	AGG_AVG,
	AGG_STATS,
	AGG_HIST,
	AGG_LHIST,
	AGG_TSERIES,
};

/* How tseries() combines the values of one interval (the last one wins
 * without a function). */
enum tseries_fn {
	TS_LAST,
	TS_AVG,
	TS_MIN,
	TS_MAX,
	TS_SUM,
};

/* TY_SPECIAL values (stdlib/special.h has their layouts and printers). */
enum special_kind {
	SP_NONE,
	SP_USERNAME,	/* uint64 uid: the user's name */
	SP_FUNC,	/* uint64 attach point index: the traced function's name */
	SP_KSYM,	/* uint64 kernel address: its symbol */
	SP_USYM,	/* uint64 address, uint64 pid: the symbol in that process */
	SP_KSTACK,	/* int64 stack id (sp_mode, sp_limit) */
	SP_USTACK,	/* int64 stack id, uint64 pid (sp_mode, sp_limit) */
	SP_BUF,		/* uint64 length, then size - 8 bytes: buf() */
	SP_INET,	/* uint64 address family, 16 bytes: ntop() */
	SP_MACADDR,	/* 6 bytes (size 8): macaddr() */
	SP_TIMESTAMP,	/* uint64 ns since boot: strftime(name, ns) */
	SP_CGROUP_PATH, /* uint64 cgroup id: cgroup_path() */
};

struct type {
	enum type_kind kind;
	uint32_t size;	/* bytes in BPF memory */
	uint32_t align;
	bool is_signed;	/* TY_INT */
	enum agg_kind agg;	/* TY_AGG */
	bool agg_signed;	/* TY_AGG: the aggregated values are signed */
	int64_t lhist_min, lhist_max, lhist_step;	/* TY_AGG lhist */
	int hist_bits;	/* TY_AGG hist: log2 buckets split 2^bits ways (0 = plain log2) */
	uint64_t ts_interval;	/* TY_AGG tseries: nanoseconds per interval */
	uint32_t ts_count;	/* TY_AGG tseries: intervals kept */
	enum tseries_fn ts_fn;	/* TY_AGG tseries */
	struct type *elem;	/* TY_PTR, TY_ARRAY */
	uint32_t count;		/* TY_ARRAY */
	struct type **fields;	/* TY_TUPLE */
	uint32_t *offsets;	/* TY_TUPLE */
	int nfields;		/* TY_TUPLE */
	const char *name;	/* TY_RECORD: "struct task_struct" */
	bool user_ptr;		/* TY_PTR: points into user memory */
	int btf_id;		/* TY_RECORD, TY_PTR to one, TY_INT of an enum: kernel BTF type id (0: none) */
	const char **names;	/* TY_RECORD of a probe's args: field names; fields, offsets and
				 * nfields laid out as a tuple's */
	enum special_kind special;	/* TY_SPECIAL */
	int sp_mode, sp_limit;	/* TY_SPECIAL stacks: mode and frame limit */
};

struct type *type_new(struct arena *a, enum type_kind kind);
struct type *type_int(struct arena *a, uint32_t size, bool is_signed);
struct type *type_bool(struct arena *a);
struct type *type_void(struct arena *a);
struct type *type_error(struct arena *a);
struct type *type_string(struct arena *a, uint32_t size);
struct type *type_ptr(struct arena *a, struct type *elem);
struct type *type_agg(struct arena *a, enum agg_kind agg, bool is_signed);
struct type *type_special(struct arena *a, enum special_kind sp, uint32_t size);
/* A tuple of n fields laid out with C alignment rules. */
struct type *type_tuple(struct arena *a, struct type **fields, int n);

/* Same kind and shape (strings of different sizes are compatible, see
 * type_compatible; this is the exact test). */
bool type_equal(const struct type *x, const struct type *y);
/* x can be stored where y is expected: ints of any width and sign,
 * strings of any bound, tuples field by field. */
bool type_compatible(const struct type *x, const struct type *y);
/* Human-readable: "int64", "uint32", "string[16]", "(int64, string[16])",
 * "count", "hist", "struct task_struct *". */
void type_print(FILE *out, const struct type *t);
const char *type_name(struct arena *a, const struct type *t);
const char *agg_name(enum agg_kind agg);
/* "avg", "min", "max", "sum"; "" for the last value. */
const char *tseries_fn_name(enum tseries_fn fn);
/* Bytes one aggregation occupies per CPU in its map value. */
uint32_t agg_value_size(enum agg_kind agg);

/* hist buckets (bits == 0): 0: value < 0, 1: value == 0, then
 * k >= 2: [2^(k-2), 2^(k-1)), up to k = 65.  With bits > 0 each power of
 * two is split into 2^bits linear sub-buckets (bpftrace's hist(x, bits)):
 * with n = 2^bits, 0: value < 0, i in 1..2n: value i - 1, and i > 2n:
 * [lo(i-1), lo(i)) where lo(j) = 2^((j >> bits) - 1) * (n + (j & (n-1)));
 * ((65 - bits) << bits) + 1 buckets, the last one ending at 2^64. */
uint32_t hist_bucket_count(const struct type *agg);
/* Buckets per key of hist, lhist and tseries (a tseries keeps one slot per
 * interval, interval number % ts_count); 0 for other aggregations. */
uint32_t agg_bucket_count(const struct type *agg);
/* lhist buckets: 0: value < min, 1..n: [min + (i-1)*step, min + i*step),
 * n+1: value >= max, where n = (max - min) / step. */
uint32_t lhist_bucket_count(const struct type *agg);

#endif
