/* -l: asks every provider whose type matches the pattern for its names,
 * then sorts and prints them. */
#define _GNU_SOURCE
#include "runtime/probe_list.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ast/arena.h"
#include "ast/sema.h"
#include "runtime/probes/probe.h"
#include "runtime/probes/uprobe.h"
#include "runtime/proc_maps.h"

struct name_set {
	char **items;
	int len, cap;
	const char *last_part; /* type-less pattern: match the name's last part */
	int err;
};

static void collect(void *ctx, const char *name)
{
	struct name_set *s = ctx;
	if (s->err)
		return;
	if (s->last_part) {
		const char *colon = strrchr(name, ':');
		if (fnmatch(s->last_part, colon ? colon + 1 : name, 0))
			return;
	}
	if (s->len == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		char **n = realloc(s->items, cap * sizeof(*n));
		if (!n) {
			s->err = -ENOMEM;
			return;
		}
		s->items = n;
		s->cap = cap;
	}
	char *dup = strdup(name);
	if (!dup) {
		s->err = -ENOMEM;
		return;
	}
	s->items[s->len++] = dup;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool type_matches(const struct probe_provider *p, const char *pat)
{
	return !fnmatch(pat, p->name, 0) || (p->alias && !fnmatch(pat, p->alias, 0)) ||
	       (p->alias2 && !fnmatch(pat, p->alias2, 0));
}

/* -lv: what args and argN are at one attach point. */
static void describe(FILE *out, const char *name)
{
	struct arena a = {0};
	FILE *null = fopen("/dev/null", "w");
	struct diag_source src = {.name = "-l", .text = name, .len = strlen(name)};
	struct diags d;
	diag_init(&d, &src, null ? null : stderr);
	struct ast_node node = {.kind = AST_ATTACH_POINT, .str = (char *)name,
				.loc = {1, 1, 1, (int)strlen(name)}};
	struct probe_env env = {.arena = &a, .diags = &d};
	struct attach_list aps = {0};
	if (probe_expand(&env, &node, &aps) == 0 && aps.len) {
		struct attach_point *ap = aps.items[0];
		const struct ctx_field *f;
		int n;
		if (ap->provider->describe) {
			ap->provider->describe(ap, out);
		} else if ((n = attach_point_fields(ap, &a, &d, true, &f)) >= 0) {
			for (int i = 0; i < n; i++)
				if (!f[i].builtin)
					fprintf(out, "    %s %s\n", type_name(&a, f[i].type), f[i].name);
			for (int i = 0; i < n; i++)
				if (!strcmp(f[i].name, "retval"))
					fprintf(out, "    %s retval\n", type_name(&a, f[i].type));
		}
	}
	if (null)
		fclose(null);
	arena_free(&a);
}

int probe_list(FILE *out, const char *pattern)
{
	return probe_list_verbose(out, pattern, false);
}

/* Asks every provider whose type matches the pattern for its names. */
static void collect_matching(struct name_set *set, const char *pattern)
{
	struct arena a = {0};
	char **parts;
	int nparts = probe_split(&a, pattern, NULL, 0, &parts);
	for (int i = 0; i < probe_provider_count; i++) {
		const struct probe_provider *p = probe_providers[i];
		if (!p->list)
			continue;
		if (nparts == 1) {
			set->last_part = parts[0];
			p->list(p, NULL, 0, collect, set);
		} else if (type_matches(p, parts[0])) {
			set->last_part = NULL;
			p->list(p, parts + 1, nparts - 1, collect, set);
		}
	}
	arena_free(&a);
}

/* -p: the probes of one file of the process, file the path sonde opens;
 * rest: the pattern's parts after the file (none: all of them). */
static void collect_in_file(struct name_set *set, const struct probe_provider *p,
			    const char *file, char **rest, int nrest)
{
	char *parts[4] = {(char *)file};
	if (nrest > 3)
		return;
	for (int i = 0; i < nrest; i++)
		parts[i + 1] = rest[i];
	p->list(p, parts, nrest + 1, collect, set);
}

/* -p: uprobes and usdt probes of the files process pid has mapped.  The
 * file part of the pattern is a glob over those files (empty: all of
 * them), or a name resolved as -p resolves uprobe targets. */
static void collect_in_process(struct name_set *set, const struct probe_provider *p,
			       char **parts, int nparts, int pid)
{
	/* "uprobe:main", "*:main": no file, a name in every mapped file */
	bool no_file = nparts == 1 && !strchr(parts[0], '/');
	const char *file = nparts && !no_file ? parts[0] : "";
	char **rest = nparts && !no_file ? parts + 1 : parts;
	int nrest = nparts && !no_file ? nparts - 1 : nparts;
	if (*file && !uprobe_has_wildcard(file)) {
		char *path = proc_resolve_target(pid, file);
		if (path)
			collect_in_file(set, p, path, rest, nrest);
		else
			fprintf(stderr, "sonde: %s target file '%s' is not mapped by process %d "
					"and was not found\n", p->name, file, pid);
		free(path);
		return;
	}
	char **paths;
	int n = proc_maps_files(pid, &paths);
	if (n < 0) {
		set->err = n;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!*file || !fnmatch(file, paths[i], 0))
			collect_in_file(set, p, paths[i], rest, nrest);
		free(paths[i]);
	}
	free(paths);
}

/* -l -p PID: as bpftrace, a pattern without a type or with a wildcard type
 * lists only the process's own probes (uprobe, usdt); a kernel type named
 * in full lists as without -p. */
static void collect_matching_pid(struct name_set *set, const char *pattern, int pid)
{
	struct arena a = {0};
	char **parts;
	int nparts = probe_split(&a, pattern, NULL, 0, &parts);
	for (int i = 0; i < probe_provider_count && nparts > 0; i++) {
		const struct probe_provider *p = probe_providers[i];
		bool user = p == &probe_uprobe || p == &probe_usdt;
		if (!p->list || (nparts > 1 && !type_matches(p, parts[0])))
			continue;
		set->last_part = nparts == 1 ? parts[0] : NULL;
		if (user)
			collect_in_process(set, p, parts + 1, nparts - 1, pid);
		else if (nparts > 1 && !uprobe_has_wildcard(parts[0]))
			p->list(p, parts + 1, nparts - 1, collect, set);
	}
	arena_free(&a);
}

/* A pattern that is the path of a file rather than a probe pattern. */
static bool is_binary_path(const char *pattern)
{
	struct stat st;
	return !strchr(pattern, ':') && strchr(pattern, '/') && !stat(pattern, &st) &&
	       S_ISREG(st.st_mode);
}

int probe_list_verbose(FILE *out, const char *pattern, bool verbose)
{
	return probe_list_pid(out, pattern, verbose, 0);
}

int probe_list_pid(FILE *out, const char *pattern, bool verbose, int pid)
{
	struct name_set set = {0};
	if (!pattern || !*pattern)
		pattern = "*";
	if (is_binary_path(pattern)) {
		/* a binary: its functions and its usdt probes */
		for (int i = 0; i < 2; i++) {
			char *p;
			if (asprintf(&p, "%s:%s:*", i ? "usdt" : "uprobe", pattern) < 0) {
				set.err = -ENOMEM;
				break;
			}
			collect_matching(&set, p);
			free(p);
		}
	} else if (pid) {
		collect_matching_pid(&set, pattern, pid);
	} else {
		collect_matching(&set, pattern);
	}
	if (!set.err && set.len) {
		qsort(set.items, set.len, sizeof(*set.items), name_cmp);
		for (int i = 0; i < set.len; i++)
			if (!i || strcmp(set.items[i], set.items[i - 1]))
			{
				fprintf(out, "%s\n", set.items[i]);
				if (verbose)
					describe(out, set.items[i]);
			}
	}
	for (int i = 0; i < set.len; i++)
		free(set.items[i]);
	free(set.items);
	return set.err;
}

int probe_list_program(FILE *out, const struct sema_program *sp, bool verbose)
{
	for (int i = 0; i < sp->naps; i++) {
		fprintf(out, "%s\n", sp->aps[i]->name);
		if (verbose && !sp->aps[i]->provider->run_by_runtime)
			describe(out, sp->aps[i]->name);
	}
	return 0;
}
