/* parse_program(): runs the scanner and the grammar over the source named
 * by the diagnostics, and owns the offset -> line:column mapping both use. */
#include "parser/parse.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.tab.h"
#include "lexer.h"

/* Past this many errors in one parse, more only bury the first ones. */
#define PARSE_MAX_ERRORS 50
/* Later passes recurse over the tree; deeper than this is no real program. */
#define PARSE_MAX_DEPTH 1000

static void offset_pos(const struct parse_ctx *ctx, size_t off, int *line, int *col)
{
	int lo = 0, hi = ctx->nlines - 1;

	if (off > ctx->len)
		off = ctx->len;
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;

		if (ctx->lines[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	*line = lo + 1;
	*col = (int)(off - ctx->lines[lo]) + 1;
}

void parse_locate(const struct parse_ctx *ctx, size_t start, size_t end, YYLTYPE *out)
{
	offset_pos(ctx, start, &out->first_line, &out->first_column);
	if (end > start)
		offset_pos(ctx, end - 1, &out->last_line, &out->last_column);
	else {
		out->last_line = out->first_line;
		out->last_column = out->first_column;
	}
}

/* End of input is reported just after the last token, where the missing
 * thing should have been, not on the blank lines after it. */
void parse_locate_eof(const struct parse_ctx *ctx, YYLTYPE *out)
{
	if (ctx->last_end == 0) {
		out->first_line = out->last_line = 1;
		out->first_column = out->last_column = 1;
		return;
	}
	offset_pos(ctx, ctx->last_end - 1, &out->first_line, &out->first_column);
	out->first_column++;
	out->last_line = out->first_line;
	out->last_column = out->first_column;
}

struct src_loc parse_src_loc(const YYLTYPE *l)
{
	struct src_loc loc = {
		.line = l->first_line,
		.col = l->first_column,
		.end_line = l->last_line,
		.end_col = l->last_column,
	};
	return loc;
}

void parse_error(struct parse_ctx *ctx, const YYLTYPE *l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (ctx->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_error(ctx->diags, parse_src_loc(l), "%s", buf);
	if (ctx->diags->errors - ctx->errors_at_start >= PARSE_MAX_ERRORS) {
		diag_plain(ctx->diags, "too many errors, stopping");
		ctx->stop = true;
	}
}

static void add_child(struct ast_node ***stack, int **depths, size_t *n, size_t *cap,
		      struct ast_node *child, int depth, bool *oom)
{
	if (!child || *oom)
		return;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct ast_node **s = realloc(*stack, ncap * sizeof(**stack));
		int *d;

		if (!s) {
			*oom = true;
			return;
		}
		*stack = s;
		d = realloc(*depths, ncap * sizeof(**depths));
		if (!d) {
			*oom = true;
			return;
		}
		*depths = d;
		*cap = ncap;
	}
	(*stack)[*n] = child;
	(*depths)[*n] = depth;
	(*n)++;
}

/* Without recursion (that is the point): finds a node nested deeper than
 * PARSE_MAX_DEPTH, such as 1+1+1+... ten thousand times. */
static struct ast_node *too_deep(struct ast_node *root)
{
	struct ast_node **stack = NULL, *found = NULL;
	int *depths = NULL;
	size_t n = 0, cap = 0;
	bool oom = false;

	add_child(&stack, &depths, &n, &cap, root, 0, &oom);
	while (n > 0 && !oom) {
		struct ast_node *node = stack[--n];
		int d = depths[n] + 1;

		if (d > PARSE_MAX_DEPTH) {
			found = node;
			break;
		}
		add_child(&stack, &depths, &n, &cap, node->lhs, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->rhs, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->cond, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->then, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->otherwise, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->pred, d, &oom);
		add_child(&stack, &depths, &n, &cap, node->body, d, &oom);
		for (int i = 0; i < node->list.len; i++)
			add_child(&stack, &depths, &n, &cap, node->list.items[i], d, &oom);
	}
	free(stack);
	free(depths);
	return oom ? root : found;
}

struct ast_node *parse_program(struct arena *a, struct diags *d)
{
	const struct diag_source *src = d->src;
	struct parse_ctx ctx = { 0 };
	yyscan_t scanner;
	YY_BUFFER_STATE buf;
	struct ast_node *deep;
	int nlines = 1;

	if (!src || !src->text) {
		diag_plain(d, "no program text");
		return NULL;
	}
	if (src->len > INT_MAX / 2) {
		diag_plain(d, "%s: program too large", src->name ? src->name : "program");
		return NULL;
	}

	ctx.arena = a;
	ctx.diags = d;
	ctx.src = src->text;
	ctx.len = src->len;
	ctx.errors_at_start = d->errors;
	for (size_t i = 0; i < src->len; i++)
		nlines += src->text[i] == '\n';
	ctx.lines = arena_alloc(a, sizeof(*ctx.lines) * (size_t)nlines);
	ctx.nlines = 1;
	for (size_t i = 0; i < src->len; i++)
		if (src->text[i] == '\n')
			ctx.lines[ctx.nlines++] = i + 1;

	if (yylex_init_extra(&ctx, &scanner) != 0) {
		diag_plain(d, "cannot initialise the scanner");
		return NULL;
	}
	buf = yy_scan_bytes(src->text, (int)src->len, scanner);
	yyparse(&ctx, scanner);
	yy_delete_buffer(buf, scanner);
	yylex_destroy(scanner);

	if (ctx.program && d->errors == ctx.errors_at_start) {
		deep = too_deep(ctx.program);
		if (deep) {
			diag_error(d, deep->loc, "program nested too deeply (more than %d levels)",
				   PARSE_MAX_DEPTH);
		}
	}
	if (d->errors > 0)
		return NULL;
	return ctx.program;
}
