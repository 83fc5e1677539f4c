/* The standard library: every builtin variable and function of the language
 * as one table entry (see DESIGN.md).  An entry checks its arguments, emits
 * its IR and, for asynchronous events, formats its output in the runtime. */
#ifndef SONDE_STDLIB_H
#define SONDE_STDLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/ast.h"
#include "ast/sema.h"

struct codegen;
struct runtime;
typedef struct LLVMOpaqueValue *LLVMValueRef;

enum stdlib_kind {
	SL_VAR,	 /* a builtin variable: pid, comm, nsecs */
	SL_FUNC, /* a function: printf, str, exit */
	SL_AGG,	 /* an aggregation assigned to a map: count, hist */
};

struct stdlib_fn {
	const char *name;
	enum stdlib_kind kind;
	int min_args, max_args;
	/* Checks arguments (types, constants, probe kinds) and returns the
	 * result type, or type_error() after reporting through sema_error. */
	struct type *(*check)(struct sema *s, struct ast_node *call);
	/* Emits the IR; returns the value (i64 for integers, a pointer for
	 * strings and tuples, NULL for void).  For SL_AGG, target is the map
	 * expression being assigned and the return value is unused. */
	LLVMValueRef (*emit)(struct codegen *cg, struct ast_node *call, struct ast_node *target);
	/* Formats an asynchronous event this entry emitted. */
	void (*print)(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
		      size_t len);
	/* Needs --unsafe. */
	unsigned unsafe : 1;
};

const struct stdlib_fn *stdlib_find(const char *name, enum stdlib_kind kind);
/* A bpftrace builtin (SL_VAR) or function (SL_FUNC) not implemented yet. */
bool stdlib_planned(const char *name, enum stdlib_kind kind);
/* For "did you mean" hints. */
int stdlib_names(const char **out, int max, enum stdlib_kind kind);

extern const struct stdlib_fn *const stdlib_table[];
extern const int stdlib_count;

#endif
