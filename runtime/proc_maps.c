#define _GNU_SOURCE /* asprintf */
#include "runtime/proc_maps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	char *p;
	if (path[0] != '/' || same_root(pid))
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

char *proc_maps_find(int pid, const char *name)
{
	char maps[64];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return NULL;
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	ssize_t len;
	while (!found && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		/* "start-end perms offset dev inode   /path": the path is the
		 * first '/' after the inode; a deleted file cannot be probed */
		char *path = strchr(line, '/');
		if (!path || strstr(path, " (deleted)"))
			continue;
		const char *base = strrchr(path, '/') + 1;
		if (maps_name_matches(base, name))
			found = strdup(path);
	}
	free(line);
	fclose(f);
	return found;
}

int proc_maps_files(int pid, char ***paths)
{
	char maps[64];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	*paths = NULL;
	FILE *f = fopen(maps, "re");
	if (!f)
		return -errno;
	char *line = NULL, **ps = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0, err = 0;
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *path = strchr(line, '/');
		if (!path || strstr(path, " (deleted)"))
			continue;
		bool seen = false;
		char *p = proc_root_path(pid, path);
		for (int i = 0; p && i < n && !seen; i++)
			seen = !strcmp(ps[i], p);
		char **more = p && !seen ? realloc(ps, (size_t)(n + 1) * sizeof(*ps)) : ps;
		if (!p || !more) {
			free(p);
			err = -ENOMEM;
		} else if (seen) {
			free(p);
		} else {
			ps = more;
			ps[n++] = p;
		}
	}
	free(line);
	fclose(f);
	if (err) {
		for (int i = 0; i < n; i++)
			free(ps[i]);
		free(ps);
		return err;
	}
	*paths = ps;
	return n;
}

char *proc_resolve_target(int pid, const char *name)
{
	if (strchr(name, '/'))
		return proc_root_path(pid, name);
	char *mapped = proc_maps_find(pid, name);
	if (!mapped) /* the loader's search means nothing in another root */
		return same_root(pid) ? elf_resolve_target(name) : NULL;
	char *p = proc_root_path(pid, mapped);
	free(mapped);
	return p;
}
