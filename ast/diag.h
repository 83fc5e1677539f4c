/* Diagnostics: "file:line:col: error: message", the source line, a caret
 * under the column, and an optional hint.  Every error is reported; callers
 * keep going after one and check diags->errors at the end of a stage. */
#ifndef SONDE_DIAG_H
#define SONDE_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#include "ast/ast.h"

struct diag_source {
	const char *name; /* file name, "-e" for a one-liner, "stdin" for '-' */
	const char *text; /* the whole program text, NUL-terminated */
	size_t len;
};

struct diags {
	const struct diag_source *src;
	FILE *out;	/* stderr unless a test redirects it */
	int errors, warnings;
	/* errors are reported as warnings (config missing_probes = "warn") */
	bool errors_as_warnings;
	bool quiet_warnings; /* and "ignore" drops them */
};

void diag_init(struct diags *d, const struct diag_source *src, FILE *out);
void diag_error(struct diags *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn(struct diags *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A "hint: ..." line for the diagnostic just printed. */
void diag_hint(struct diags *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same, for wrappers that take their own variable arguments. */
void diag_verror(struct diags *d, struct src_loc loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void diag_vhint(struct diags *d, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* An error with no source location (command line, system). */
void diag_plain(struct diags *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The closest of candidates[0..n) to name by edit distance, or NULL when
 * nothing is close enough to be worth suggesting. */
/* The bytes of line `line` (1-based) of the source, without its newline. */
bool diag_source_line(const struct diag_source *src, int line, const char **start, size_t *len);
const char *diag_closest(const char *name, const char *const *candidates, int n);

#endif
