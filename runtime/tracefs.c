/* tracefs queries: which tracepoints exist, and what their records hold. */
#define _GNU_SOURCE
#include "runtime/tracefs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACEFS_PATH "/sys/kernel/tracing"
#define DEBUGFS_TRACING_PATH "/sys/kernel/debug/tracing"

static char tracefs_err[1280];
static const char *tracefs_dir;
static bool tracefs_tried;

static struct tracefs_event *events;
static int nevents = -1;

const char *tracefs_error(void)
{
	return tracefs_err;
}

static bool has_events_dir(const char *root)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *tracefs_root(void)
{
	if (tracefs_tried)
		return tracefs_dir;
	tracefs_tried = true;
	if (has_events_dir(TRACEFS_PATH))
		return tracefs_dir = TRACEFS_PATH;
	/* Mounted but closed to us (mode 0700): not being root is the fault,
	 * and mounting would fail for the same reason. */
	char events[256];
	snprintf(events, sizeof(events), "%s/events", TRACEFS_PATH);
	if (access(events, F_OK) && errno == EACCES) {
		snprintf(tracefs_err, sizeof(tracefs_err),
			 "reading tracefs (" TRACEFS_PATH ") needs root: run sonde with sudo");
		return NULL;
	}
	/* Not mounted: mount it ourselves, as bpftrace users expect it to be
	 * there.  Then the older debugfs location, which automounts tracefs. */
	int err = 0;
	if (mount("nodev", TRACEFS_PATH, "tracefs", 0, NULL) == 0) {
		if (has_events_dir(TRACEFS_PATH))
			return tracefs_dir = TRACEFS_PATH;
		err = ENOENT;
	} else {
		err = errno;
	}
	if (has_events_dir(DEBUGFS_TRACING_PATH))
		return tracefs_dir = DEBUGFS_TRACING_PATH;
	snprintf(tracefs_err, sizeof(tracefs_err),
		 "tracefs is not mounted at " TRACEFS_PATH " and mounting it failed (%s)%s",
		 strerror(err),
		 err == EPERM || err == EACCES ? "; mounting it needs root (CAP_SYS_ADMIN)" : "");
	return NULL;
}

/* ------------------------------------------------------------ event list */

static int event_cmp(const void *x, const void *y)
{
	const struct tracefs_event *a = x, *b = y;
	return strcmp(a->full, b->full);
}

struct event_vec {
	struct tracefs_event *items;
	int len, cap;
};

static int event_push(struct event_vec *v, const char *category, size_t clen, const char *name)
{
	if (clen == 0 || !*name)
		return 0;
	if (v->len == v->cap) {
		int cap = v->cap ? v->cap * 2 : 1024;
		struct tracefs_event *n = realloc(v->items, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		v->items = n;
		v->cap = cap;
	}
	/* One block: "cat:name\0cat\0name\0"; freeing full frees all. */
	size_t nlen = strlen(name), flen = clen + 1 + nlen;
	char *b = malloc(2 * (flen + 1));
	if (!b)
		return -ENOMEM;
	memcpy(b, category, clen);
	b[clen] = ':';
	memcpy(b + clen + 1, name, nlen + 1);
	memcpy(b + flen + 1, b, flen + 1);
	b[flen + 1 + clen] = '\0';
	struct tracefs_event *e = &v->items[v->len++];
	e->full = b;
	e->category = b + flen + 1;
	e->name = e->category + clen + 1;
	return 0;
}

static void event_vec_free(struct event_vec *v)
{
	for (int i = 0; i < v->len; i++)
		free((char *)v->items[i].full);
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

/* available_events lists what can be attached to ("cat:name" per line);
 * the ftrace category under events/ has format files but is not. */
static int read_available_events(const char *root, struct event_vec *v)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/available_events", root);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;
	while (!err && (n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		err = event_push(v, line, colon - line, colon + 1);
	}
	free(line);
	fclose(f);
	return err;
}

static int walk_events_dir(const char *root, struct event_vec *v)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events", root);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	struct dirent *c;
	int err = 0;
	while (!err && (c = readdir(d))) {
		if (c->d_name[0] == '.' || !strcmp(c->d_name, "ftrace"))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", root, c->d_name);
		DIR *sub = opendir(path);
		if (!sub)
			continue;
		struct dirent *e;
		while (!err && (e = readdir(sub))) {
			struct stat st;
			char fmt[1024];
			if (e->d_name[0] == '.')
				continue;
			snprintf(fmt, sizeof(fmt), "%s/%s/format", path, e->d_name);
			if (stat(fmt, &st) == 0)
				err = event_push(v, c->d_name, strlen(c->d_name), e->d_name);
		}
		closedir(sub);
	}
	closedir(d);
	return err;
}

int tracefs_events(const struct tracefs_event **out)
{
	if (nevents >= 0) {
		*out = events;
		return nevents;
	}
	*out = NULL;
	const char *root = tracefs_root();
	if (!root)
		return -ENOENT;
	struct event_vec v = {0};
	int err = read_available_events(root, &v);
	if (err && err != -ENOMEM) {
		event_vec_free(&v);
		err = walk_events_dir(root, &v);
	}
	if (err) {
		snprintf(tracefs_err, sizeof(tracefs_err), "cannot read the list of tracepoints in %s: %s",
			 root, strerror(-err));
		event_vec_free(&v);
		return err;
	}
	qsort(v.items, v.len, sizeof(*v.items), event_cmp);
	/* drop duplicates, should the kernel ever list one twice */
	int n = 0;
	for (int i = 0; i < v.len; i++) {
		if (n && !strcmp(v.items[n - 1].full, v.items[i].full)) {
			free((char *)v.items[i].full);
			continue;
		}
		v.items[n++] = v.items[i];
	}
	events = v.items;
	nevents = n;
	*out = events;
	return nevents;
}

/* One event, by its format file: a script naming its tracepoints does
 * not read (and the kernel does not print) the list of every event. */
bool tracefs_event_exists(const char *category, const char *name)
{
	const char *root = tracefs_root();
	if (!root || !*category || !*name || *category == '.' || *name == '.' ||
	    strchr(category, '/') || strchr(name, '/'))
		return false;
	char path[512];
	if (snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, category, name) >=
	    (int)sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

bool tracefs_category_exists(const char *category)
{
	const struct tracefs_event *ev;
	int n = tracefs_events(&ev);
	for (int i = 0; i < n; i++)
		if (!strcmp(ev[i].category, category))
			return true;
	return false;
}

/* ----------------------------------------------------------- format files */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool field_value(const char *line, const char *key, unsigned *out)
{
	const char *p = strstr(line, key);
	if (!p)
		return false;
	char *end;
	unsigned long v = strtoul(p + strlen(key), &end, 10);
	if (end == p + strlen(key))
		return false;
	*out = (unsigned)v;
	return true;
}

/* "field:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;" */
static int parse_field_line(struct arena *a, const char *line, struct tracefs_field *f)
{
	const char *p = strstr(line, "field:");
	if (!p)
		return -1;
	p += strlen("field:");
	const char *semi = strchr(p, ';');
	if (!semi)
		return -1;
	char decl[512];
	size_t n = (size_t)(semi - p);
	if (n >= sizeof(decl))
		return -1;
	memcpy(decl, p, n);
	decl[n] = '\0';
	char *d = trim(decl);

	f->array_len = -1;
	n = strlen(d);
	if (n && d[n - 1] == ']') {
		char *open = strrchr(d, '[');
		if (!open)
			return -1;
		d[n - 1] = '\0';
		f->array_len = (int)strtol(open + 1, NULL, 0);
		if (f->array_len < 0)
			f->array_len = 0;
		*open = '\0';
		d = trim(d);
		n = strlen(d);
	}
	size_t name_at = n;
	while (name_at && (isalnum((unsigned char)d[name_at - 1]) || d[name_at - 1] == '_'))
		name_at--;
	if (name_at == n || name_at == 0)
		return -1;
	f->name = arena_strdup(a, d + name_at);
	d[name_at] = '\0';
	f->decl_type = arena_strdup(a, trim(d));

	unsigned sign = 0;
	if (!field_value(semi, "offset:", &f->offset) || !field_value(semi, "size:", &f->size))
		return -1;
	/* Old kernels have no signed: key; the type name decides then. */
	if (field_value(semi, "signed:", &sign))
		f->is_signed = sign != 0;
	return 0;
}

int tracefs_format(struct arena *a, const char *category, const char *name,
		   struct tracefs_field **out)
{
	*out = NULL;
	const char *root = tracefs_root();
	if (!root)
		return -ENOENT;
	if (strchr(category, '/') || strchr(name, '/') || !strcmp(category, "..") ||
	    !strcmp(name, "..")) {
		snprintf(tracefs_err, sizeof(tracefs_err), "invalid tracepoint name %s:%s",
			 category, name);
		return -EINVAL;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, category, name);
	FILE *f = fopen(path, "re");
	if (!f) {
		int err = errno;
		snprintf(tracefs_err, sizeof(tracefs_err), "cannot read %s: %s", path, strerror(err));
		return -err;
	}
	struct tracefs_field *fields = NULL;
	int len = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) > 0) {
		if (!strstr(line, "field:"))
			continue;
		struct tracefs_field fld = {0};
		if (parse_field_line(a, line, &fld) < 0)
			continue; /* a line we do not understand is not worth failing for */
		if (len == cap) {
			int ncap = cap ? cap * 2 : 16;
			struct tracefs_field *nf = arena_alloc(a, ncap * sizeof(*nf));
			if (len)
				memcpy(nf, fields, len * sizeof(*nf));
			fields = nf;
			cap = ncap;
		}
		fields[len++] = fld;
	}
	free(line);
	fclose(f);
	*out = fields;
	return len;
}
