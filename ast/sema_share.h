/* Which attach points of one probe can share one compiled program
 * (sema_share.c). */
#ifndef SONDE_SEMA_SHARE_H
#define SONDE_SEMA_SHARE_H

#include <stdbool.h>

#include "ast/ast.h"
#include "runtime/probes/probe.h"

struct sema;

#define ARGS_USE_NAMES 16

/* How a probe's predicate and body read their context. */
struct args_use {
	bool whole;	/* args itself, not only args.NAME */
	bool argn;	/* arg0, arg1, ... */
	const char *names[ARGS_USE_NAMES];	/* the NAMEs of args.NAME */
	int nnames;
};

struct args_use sema_args_use(struct ast_node *probe);

/* Whether ap can join the program whose first attach point is first (same
 * probe, same provider): their contexts agree as far as the probe reads
 * them.  Loads args fields that are needed for the comparison. */
bool sema_can_share(struct sema *s, const struct args_use *u, struct attach_point *first,
		    struct attach_point *ap);

#endif
