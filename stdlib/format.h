/* printf-style formats: checked against argument types at compile time,
 * applied to event data in the runtime without allocating. */
#ifndef SONDE_FORMAT_H
#define SONDE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast/types.h"

enum fmt_arg {
	FMT_ARG_INT,	/* d i u x X o c p */
	FMT_ARG_STR,	/* s */
	FMT_ARG_BUF,	/* r rx rh */
};

struct fmt_spec {
	size_t start, len;	/* the specifier's text in the format */
	char conv;		/* d i u x X o s c p */
	char cfmt[32];		/* equivalent C format for one value */
	enum fmt_arg arg;
	char hex;		/* %rx: 'x', %rh: 'h', %r: 0 */
};

/* Parses fmt and checks it against the argument types.  Returns the number
 * of specifiers, or -1 with *err set to a message (static storage) and
 * *err_arg to the argument index it concerns (-1: the format itself, -2:
 * the call, for a count mismatch). */
int fmt_check(const char *fmt, struct type **args, int nargs, const char **err, int *err_arg);

/* Writes fmt with args (laid out as the tuple type args) to out. */
struct output;
void fmt_print(struct output *o, const char *fmt, const struct type *args, const uint8_t *data);

/* Copies what in holds to out (cat's file, system's command output). */
void stdlib_copy_stream(FILE *in, FILE *out);

#endif
