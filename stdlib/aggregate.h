/* Shared by the aggregations (stdlib/aggregate.c, stdlib/tseries.c): the
 * argument check and the per-CPU update of a map slot. */
#ifndef SONDE_STDLIB_AGGREGATE_H
#define SONDE_STDLIB_AGGREGATE_H

#include <stdbool.h>

#include "stdlib/stdlib.h"

/* Updates one per-CPU slot of an aggregation: x holds the values the
 * emitter computed before (the aggregated value first). */
typedef void (*agg_apply_fn)(struct codegen *cg, LLVMValueRef slot, const LLVMValueRef *x,
			     const struct type *agg);

/* Argument i of call is an integer (or bool); *is_signed (when not NULL)
 * tells whether it is signed.  Reports an error and returns false if not. */
bool agg_int_arg(struct sema *s, struct ast_node *call, int i, bool *is_signed);

/* Finds target's per-CPU slot (for bucket, when not NULL) and applies fn to
 * it; on a miss applies fn to a zeroed state and inserts that. */
void agg_update(struct codegen *cg, struct ast_node *target, LLVMValueRef bucket,
		agg_apply_fn fn, const LLVMValueRef *x);

#endif
