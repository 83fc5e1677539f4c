#define _GNU_SOURCE /* asprintf */
#include "runtime/proc_maps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/elf_symbols.h"

/* Whether /proc/PID/root is sonde's own root: then paths need no prefix
 * (and probe names stay what the user wrote). */
static bool same_root(int pid)
{
	char root[64];
	struct stat a, b;
	snprintf(root, sizeof(root), "/proc/%d/root/", pid);
	if (stat(root, &a) || stat("/", &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

char *proc_root_path(int pid, const char *path)
{
	char *p, prefix[64];
	int n = snprintf(prefix, sizeof(prefix), "/proc/%d/root/", pid);
	/* already through the process's root (a name -l -p printed) */
	if (path[0] != '/' || !strncmp(path, prefix, (size_t)n) || same_root(pid))
		return strdup(path);
	if (asprintf(&p, "/proc/%d/root%s", pid, path) < 0)
		return NULL;
	return p;
}

static bool maps_name_matches(const char *base, const char *name)
{
	if (!strcmp(base, name) || elf_lib_name_matches(base, name))
		return true;
	/* "c" and "pthread" as the linker's -l would take them */
	if (strncmp(name, "lib", 3) && !strstr(name, ".so")) {
		char lib[256];
		if (snprintf(lib, sizeof(lib), "lib%s", name) < (int)sizeof(lib))
			return elf_lib_name_matches(base, lib);
	}
	return false;
}

static bool is_inode(const char *path, unsigned maj, unsigned min, unsigned long ino)
{
	struct stat st;
	return !stat(path, &st) && st.st_ino == ino && major(st.st_dev) == maj &&
	       minor(st.st_dev) == min;
}

/* The file of one /proc/PID/maps line ("start-end perms offset maj:min
 * inode   /path"), NULL for none (anonymous, [heap], deleted).  *seen is the
 * path as the line prints it; the result (malloc'd) is the path sonde
 * opens.  The kernel prints the path relative to the reader's root when
 * the file is under it (a chrooted process's files appear with the chroot
 * directory in front), else as the process's mount namespace sees it:
 * of /proc/PID/root/PATH-IN-ITS-ROOT, /proc/PID/root/PATH and PATH, the
 * first that is the mapped inode. */
static char *maps_line_file(int pid, char *line, const char **seen)
{
	unsigned maj, min;
	unsigned long ino;
	int off = 0;
	if (sscanf(line, "%*s %*s %*s %x:%x %lu %n", &maj, &min, &ino, &off) != 3 || !off)
		return NULL;
	char *path = line + off;
	if (path[0] != '/' || strstr(path, " (deleted)"))
		return NULL;
	*seen = path;
	char *p = proc_root_path(pid, path);
	if (!p || !strcmp(p, path) || is_inode(p, maj, min, ino))
		return p;
	char link[64], root[4096], *in_root;
	snprintf(link, sizeof(link), "/proc/%d/root", pid);
	ssize_t n = readlink(link, root, sizeof(root) - 1);
	root[n > 0 ? n : 0] = '\0';
	size_t len = strlen(root);
	if (len > 1 && !strncmp(path, root, len) && path[len] == '/' &&
	    asprintf(&in_root, "%s%s", link, path + len) >= 0) {
		if (is_inode(in_root, maj, min, ino)) {
			free(p);
			return in_root;
		}
		free(in_root);
	}
	if (!is_inode(path, maj, min, ino))
		return p;
	free(p);
	return strdup(path);
}

/* Calls fn for each distinct file process pid has mapped, in map order,
 * until fn returns nonzero; returns that, or -errno. */
static int maps_each_file(int pid, int (*fn)(void *ctx, char *file, const char *seen),
			  void *ctx)
{
	char maps[64];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return -errno;
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0;
	while (!r && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		/* a file's mappings are adjacent: skip its repeats cheaply */
		const char *seen = strchr(line, '/');
		if (!seen || (last && !strcmp(last, seen)))
			continue;
		free(last);
		if (!(last = strdup(seen))) {
			r = -ENOMEM;
			break;
		}
		char *file = maps_line_file(pid, line, &seen);
		if (file)
			r = fn(ctx, file, seen);
		free(file);
	}
	free(last);
	free(line);
	fclose(f);
	return r;
}

struct maps_find {
	const char *name;
	char *found;
};

static int find_one(void *ctx, char *file, const char *seen)
{
	struct maps_find *m = ctx;
	if (!maps_name_matches(strrchr(seen, '/') + 1, m->name))
		return 0;
	m->found = strdup(file);
	return m->found ? 1 : -ENOMEM;
}

char *proc_maps_find(int pid, const char *name)
{
	struct maps_find m = {.name = name};
	maps_each_file(pid, find_one, &m);
	return m.found;
}

struct maps_files {
	char **ps;
	int n;
};

static int add_file(void *ctx, char *file, const char *seen)
{
	struct maps_files *m = ctx;
	(void)seen;
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->ps[i], file))
			return 0;
	char **more = realloc(m->ps, (size_t)(m->n + 1) * sizeof(*more));
	char *dup = more ? strdup(file) : NULL;
	if (more)
		m->ps = more;
	if (!dup)
		return -ENOMEM;
	m->ps[m->n++] = dup;
	return 0;
}

int proc_maps_files(int pid, char ***paths)
{
	struct maps_files m = {0};
	int err = maps_each_file(pid, add_file, &m);
	if (err < 0) {
		for (int i = 0; i < m.n; i++)
			free(m.ps[i]);
		free(m.ps);
		*paths = NULL;
		return err;
	}
	*paths = m.ps;
	return m.n;
}

char *proc_resolve_target(int pid, const char *name)
{
	if (strchr(name, '/'))
		return proc_root_path(pid, name);
	char *mapped = proc_maps_find(pid, name);
	if (!mapped) /* the loader's search means nothing in another root */
		return same_root(pid) ? elf_resolve_target(name) : NULL;
	return mapped;
}
