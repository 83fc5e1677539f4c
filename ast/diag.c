/* Diagnostics, printed as
 *
 *   FILE:LINE:COL: error: MESSAGE
 *     <the source line>
 *     <caret under COL, '~' under the rest of the range on that line>
 *   hint: TEXT
 *
 * The caret line copies the tabs of the source line (spaces elsewhere), so
 * the caret stays under the right character whatever the tab width.
 * Columns count bytes. */
#include "ast/diag.h"

#include <stdlib.h>
#include <string.h>

void diag_init(struct diags *d, const struct diag_source *src, FILE *out)
{
	*d = (struct diags){.src = src, .out = out ? out : stderr};
}

/* The bytes of line `line` (1-based) of the source, without its newline. */
bool diag_source_line(const struct diag_source *src, int line, const char **start, size_t *len)
{
	const char *p, *end, *nl;

	if (!src || !src->text || line < 1)
		return false;
	p = src->text;
	end = src->text + src->len;
	for (int i = 1; i < line; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*start = p;
	*len = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	/* A location one past the last line (end of input after a final
	 * newline) still gets the header, not a source line. */
	return !(p == end && line > 1);
}

static void show_source(struct diags *d, struct src_loc loc)
{
	const char *text;
	size_t len, col, last;

	if (!diag_source_line(d->src, loc.line, &text, &len))
		return;
	fputs("  ", d->out);
	/* control characters (a NUL, an escape sequence) are shown as spaces:
	 * they would garble the terminal and shift nothing else */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		fputc((c < 0x20 && c != '\t') || c == 0x7f ? ' ' : c, d->out);
	}
	fputs("\n  ", d->out);

	col = loc.col > 0 ? (size_t)loc.col : 1;
	for (size_t i = 0; i + 1 < col; i++)
		fputc(i < len && text[i] == '\t' ? '\t' : ' ', d->out);
	fputc('^', d->out);

	if (loc.end_line == loc.line && loc.end_col > loc.col)
		last = (size_t)loc.end_col;
	else if (loc.end_line > loc.line)
		last = len;
	else
		last = col;
	for (size_t i = col; i < last; i++)
		fputc('~', d->out);
	fputc('\n', d->out);
}

static void report(struct diags *d, const char *kind, struct src_loc loc,
		   const char *fmt, va_list ap)
{
	const char *name = d->src && d->src->name ? d->src->name : "sonde";

	if (loc.line > 0)
		fprintf(d->out, "%s:%d:%d: %s: ", name, loc.line, loc.col > 0 ? loc.col : 1, kind);
	else
		fprintf(d->out, "%s: %s: ", name, kind);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	if (loc.line > 0)
		show_source(d, loc);
}

void diag_verror(struct diags *d, struct src_loc loc, const char *fmt, va_list ap)
{
	if (d->errors_as_warnings) {
		if (!d->quiet_warnings)
			report(d, "warning", loc, fmt, ap);
		d->warnings++;
	} else {
		report(d, "error", loc, fmt, ap);
		d->errors++;
	}
}

void diag_error(struct diags *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(d, loc, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diags *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, "warning", loc, fmt, ap);
	va_end(ap);
	d->warnings++;
}

void diag_vhint(struct diags *d, const char *fmt, va_list ap)
{
	if (d->errors_as_warnings && d->quiet_warnings)
		return;
	fputs("hint: ", d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
}

void diag_hint(struct diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vhint(d, fmt, ap);
	va_end(ap);
}

void diag_plain(struct diags *d, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", d->out);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
	d->errors++;
}

/* Optimal string alignment distance: Levenshtein plus adjacent
 * transpositions, so "pritnf" is one edit from "printf".  Gives up with
 * bound + 1 as soon as the distance must exceed bound: hints search all of
 * kallsyms (a hundred thousand names), so most candidates are dismissed
 * after a row or two. */
#define EDIT_MAX 256
static size_t edit_distance(const char *a, const char *b, size_t bound)
{
	size_t n = strlen(a), m = strlen(b);
	size_t rows[3][EDIT_MAX + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *tmp;

	if (n > EDIT_MAX || m > EDIT_MAX) /* names, not essays */
		return (size_t)-1;
	if ((n > m ? n - m : m - n) > bound)
		return bound + 1;
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t row_min;

		cur[0] = row_min = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		/* a transposition reaches back two rows: both must be over */
		if (row_min > bound && i > 1) {
			size_t prev_min = prev[0];
			for (size_t j = 1; j <= m; j++)
				if (prev[j] < prev_min)
					prev_min = prev[j];
			if (prev_min > bound)
				return bound + 1;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[m];
}

const char *diag_closest(const char *name, const char *const *candidates, int n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, limit;

	if (!name || !candidates || n <= 0)
		return NULL;
	/* About one edit in three characters; always allow one. */
	limit = (strlen(name) + 2) / 3;
	if (limit < 1)
		limit = 1;
	for (int i = 0; i < n; i++) {
		size_t dist;

		if (!candidates[i])
			continue;
		/* only a distance within the limit, and at most the best so
		 * far (ties matter), can change the answer */
		dist = edit_distance(name, candidates[i], best_d < limit ? best_d : limit);
		/* On a tie, a candidate the name is a prefix of wins: one who
		 * typed "sys_enter_opena" meant sys_enter_openat, not _open. */
		if (dist < best_d || (dist == best_d && best &&
				      !strncmp(candidates[i], name, strlen(name)) &&
				      strncmp(best, name, strlen(name)))) {
			best_d = dist;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}
