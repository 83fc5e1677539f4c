/* Every entry of the stdlib table (stdlib/table.c) is documented in
 * docs/language.md: a heading "### `NAME" (then "`" or "(") with a
 * ```bpftrace example before the next heading.  Usage: test_docs_stdlib
 * docs/language.md.  Prints each missing entry and what to add. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t k;
	while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* The section of NAME, from its heading to the next "### " or "## ". */
static const char *find_section(const char *doc, const char *name, size_t *len)
{
	char head[128];
	snprintf(head, sizeof(head), "\n### `%s", name);
	size_t hl = strlen(head);
	for (const char *p = strstr(doc, head); p; p = strstr(p + 1, head)) {
		char c = p[hl];
		if (c != '`' && c != '(')
			continue;
		const char *body = p + hl;
		const char *end = strstr(body, "\n## ");
		const char *end3 = strstr(body, "\n### ");
		if (!end || (end3 && end3 < end))
			end = end3;
		*len = end ? (size_t)(end - body) : strlen(body);
		return body;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_docs_stdlib docs/language.md\n");
		return 2;
	}
	char *doc = read_all(argv[1]);
	if (!doc) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	int missing = 0;
	for (int i = 0; i < stdlib_count; i++) {
		const struct stdlib_fn *fn = stdlib_table[i];
		size_t len;
		const char *s = find_section(doc, fn->name, &len);
		if (!s) {
			printf("FAIL %s: no \"### `%s%s\" section in %s: add one to its part "
			       "(builtin variables, functions or aggregations) with what it is and "
			       "a ```bpftrace example\n",
			       fn->name, fn->name, fn->kind == SL_VAR ? "`" : "(...)`", argv[1]);
			missing++;
			continue;
		}
		char *sec = strndup(s, len);
		if (!sec || !strstr(sec, "```bpftrace")) {
			printf("FAIL %s: its section has no ```bpftrace example\n", fn->name);
			missing++;
		}
		free(sec);
	}
	printf("%d of %d stdlib entries documented with an example\n", stdlib_count - missing,
	       stdlib_count);
	free(doc);
	return missing ? 1 : 0;
}
