/* The front door of the front end: program text in, AST out. */
#ifndef SONDE_PARSE_H
#define SONDE_PARSE_H

#include "ast/arena.h"
#include "ast/ast.h"
#include "ast/diag.h"

/* Parses src into an AST_PROGRAM allocated in a.  Syntax errors are reported
 * through d (all of them: the grammar recovers at statement and probe
 * boundaries).  Returns the program, or NULL when d->errors > 0. */
struct ast_node *parse_program(struct arena *a, struct diags *d);

#endif
