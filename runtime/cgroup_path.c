/* cgroup_path(): the paths of a cgroup id in the mounted cgroup hierarchies,
 * as bpftrace finds them: each hierarchy mounted from /proc/mounts (the
 * cgroup2 one named "unified", a cgroup v1 one by its mount directory) whose
 * name matches the filter, searched for the directory whose inode number is
 * the id; "unified:/a/b,cpu:/a" with cgroup2 first, then v1 by name. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cgroup_path.h"

struct hier {
	char *name, *path;	/* path: the cgroup's, NULL when not found */
	bool v2;
	size_t seq;	/* mount order */
};

static uint64_t want_ino;
static const char *found;
static size_t base_len;

static int walk(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D && (uint64_t)st->st_ino == want_ino) {
		found = strdup(path + base_len);
		return 1;
	}
	return 0;
}

static char *path_in(const char *base, uint64_t id)
{
	struct stat st;
	if (stat(base, &st) == 0 && (uint64_t)st.st_ino == id)
		return strdup("/");
	want_ino = id;
	found = NULL;
	base_len = strlen(base);
	nftw(base, walk, 16, FTW_PHYS);
	return (char *)found;
}

static int cmp_v1(const void *a, const void *b)
{
	const struct hier *x = a, *y = b;
	if (x->v2 != y->v2)
		return x->v2 ? -1 : 1;
	if (x->v2)
		return x->seq < y->seq ? -1 : x->seq > y->seq;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

char *cgroup_path_text(uint64_t id, const char *filter)
{
	FILE *m = fopen("/proc/mounts", "r");
	if (!m)
		return strdup("");
	struct hier *h = NULL;
	size_t n = 0;
	char line[4096];
	while (fgets(line, sizeof(line), m)) {
		char dev[64], mnt[4096];
		if (sscanf(line, "%63s %4095s", dev, mnt) != 2)
			continue;
		bool v2 = !strcmp(dev, "cgroup2");
		if (!v2 && strcmp(dev, "cgroup"))
			continue;
		struct stat st;
		if (stat(mnt, &st) || !S_ISDIR(st.st_mode))
			continue;
		const char *slash = strrchr(mnt, '/');
		const char *name = v2 ? "unified" : slash ? slash + 1 : mnt;
		if (fnmatch(filter && *filter ? filter : "*", name, 0))
			continue;
		struct hier *nh = realloc(h, sizeof(*h) * (n + 1));
		if (!nh)
			break;
		h = nh;
		h[n].name = strdup(name);
		h[n].path = path_in(mnt, id);
		h[n].v2 = v2;
		h[n].seq = n;
		n++;
	}
	fclose(m);
	qsort(h, n, sizeof(*h), cmp_v1);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (f && h[i].path && h[i].name) {
			fprintf(f, "%s%s:%s", first ? "" : ",", h[i].name, h[i].path);
			first = false;
		}
		free(h[i].name);
		free(h[i].path);
	}
	free(h);
	if (!f || fclose(f)) {
		free(out);
		return strdup("");
	}
	return out;
}
