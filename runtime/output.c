/* The output layer: destination, buffering, and the records that are not a
 * map or a value (see output.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/json.h"
#include "runtime/output.h"

/* bpftrace's JSON "type" of the events whose hooks write free text. */
static const struct {
	const char *fn, *type;
} text_events[] = {
	{"printf", "printf"},
	{"time", "time"},
	{"cat", "cat"},
	{"join", "join"},
	{"system", "syscall"},
};

int output_parse_buffering(const char *s, enum output_buffering *b)
{
	if (!strcmp(s, "line"))
		*b = OUTPUT_BUF_LINE;
	else if (!strcmp(s, "full"))
		*b = OUTPUT_BUF_FULL;
	else if (!strcmp(s, "none"))
		*b = OUTPUT_BUF_NONE;
	else
		return -1;
	return 0;
}

/* The target of the symbolic link at path, opened, if the link is the
 * caller's; a chain of links is not followed. */
static int open_own_symlink(const char *path, int flags)
{
	int lfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char target[PATH_MAX];

	if (lfd < 0)
		return -1;
	if (fstat(lfd, &st) || !S_ISLNK(st.st_mode)) {
		close(lfd);
		errno = ELOOP;
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "sonde: -o %s: a symbolic link owned by uid %u; not following it "
				"(remove it or give another file)\n", path, (unsigned)st.st_uid);
		close(lfd);
		errno = EPERM;
		return -2;
	}
	ssize_t n = readlinkat(lfd, "", target, sizeof(target) - 1);
	close(lfd);
	if (n < 0)
		return -1;
	target[n] = 0;
	/* a relative target is relative to the link's directory */
	int dfd = AT_FDCWD;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (target[0] != '/' && slash) {
		size_t dl = (size_t)(slash - path) + 1;
		if (dl >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, dl);
		dir[dl] = 0;
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -1;
	}
	int fd = openat(dfd, target, flags | O_NOFOLLOW, 0644);
	if (dfd != AT_FDCWD)
		close(dfd);
	return fd;
}

static FILE *open_output_file(const char *path)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	int fd = open(path, flags | O_NOFOLLOW, 0644);
	struct stat st;

	/* a symbolic link: ELOOP, or EACCES where the kernel itself refuses
	 * (a link in a sticky directory, owned by someone else) */
	if (fd < 0 && (errno == ELOOP || errno == EACCES) && !lstat(path, &st) &&
	    S_ISLNK(st.st_mode)) {
		fd = open_own_symlink(path, flags);
		if (fd == -2)
			return NULL;
	}
	if (fd < 0) {
		fprintf(stderr, "sonde: cannot open %s for the output: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	if (S_ISREG(st.st_mode)) {
		/* a hard link someone else made to a file that is not theirs to
		 * hand out (with fs.protected_hardlinks=0) */
		if (st.st_nlink > 1 && st.st_uid != geteuid()) {
			fprintf(stderr, "sonde: -o %s: a file with %lu links owned by uid %u; "
					"not writing into it\n",
				path, (unsigned long)st.st_nlink, (unsigned)st.st_uid);
			close(fd);
			return NULL;
		}
		if (ftruncate(fd, 0)) {
			fprintf(stderr, "sonde: cannot truncate %s: %s\n", path, strerror(errno));
			close(fd);
			return NULL;
		}
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int output_open(struct output *o, const struct output_opts *opts)
{
	o->format = opts->format;
	o->sink = stdout;
	o->owns_sink = false;
	if (opts->path) {
		o->sink = open_output_file(opts->path);
		if (!o->sink)
			return -1;
		o->owns_sink = true;
	}
	switch (opts->buffering) {
	case OUTPUT_BUF_LINE:
		setvbuf(o->sink, NULL, _IOFBF, 1 << 16);
		o->flush_batches = true;
		break;
	case OUTPUT_BUF_FULL: setvbuf(o->sink, NULL, _IOFBF, 1 << 16); break;
	case OUTPUT_BUF_NONE: setvbuf(o->sink, NULL, _IONBF, 0); break;
	}
	o->out = o->sink;
	return 0;
}

void output_close(struct output *o)
{
	if (o->capture)
		fclose(o->capture);
	free(o->capture_buf);
	o->capture = NULL;
	o->capture_buf = NULL;
	if (o->sink) {
		fflush(o->sink);
		if (o->owns_sink && fclose(o->sink))
			fprintf(stderr, "sonde: writing the output failed: %s\n", strerror(errno));
	}
	o->sink = NULL;
	o->out = stdout;
}

static FILE *sink_of(struct output *o)
{
	return o->sink ? o->sink : o->out;
}

void output_flush(struct output *o)
{
	fflush(sink_of(o));
}

void output_batch_end(struct output *o)
{
	if (o->flush_batches)
		fflush(sink_of(o));
}

void output_attached(struct output *o, int nprobes)
{
	FILE *f = sink_of(o);
	if (o->format == OUTPUT_JSON)
		fprintf(f, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nprobes);
	else
		fprintf(f, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
	fflush(f);
}

void output_lost(struct output *o, uint64_t n)
{
	FILE *f = sink_of(o);
	if (o->format == OUTPUT_JSON)
		fprintf(f, "{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64 "}}\n", n);
	else
		fprintf(f, "Lost %" PRIu64 " events\n", n);
	fflush(f);
}

void output_message(struct output *o, const char *type, const char *text)
{
	FILE *f = sink_of(o);
	if (o->format == OUTPUT_JSON) {
		fprintf(f, "{\"type\": \"%s\", \"data\": ", type);
		json_write_string(f, text, strlen(text));
		fputs("}\n", f);
	} else {
		fprintf(f, "%s\n", text);
	}
	fflush(f);
}

void output_maps_begin(struct output *o)
{
	if (o->format == OUTPUT_TEXT)
		fputs("\n\n", o->out);
}

void output_event_begin(struct output *o, const char *fn_name)
{
	o->capture_type = NULL;
	if (o->format != OUTPUT_JSON && !o->text_hook)
		return;
	for (size_t i = 0; i < sizeof(text_events) / sizeof(text_events[0]); i++)
		if (!strcmp(fn_name, text_events[i].fn))
			o->capture_type = text_events[i].type;
	/* the live view keeps whatever events write (print() too) off the
	 * screen it redraws */
	if (o->text_hook && o->format == OUTPUT_TEXT)
		o->capture_type = "text";
	if (!o->capture_type)
		return;
	if (!o->capture) {
		o->capture = open_memstream(&o->capture_buf, &o->capture_size);
		if (!o->capture) {
			o->capture_type = NULL;
			return;
		}
	}
	fseeko(o->capture, 0, SEEK_SET);
	o->out = o->capture;
}

void output_event_end(struct output *o)
{
	if (!o->capture_type)
		return;
	o->out = o->sink ? o->sink : stdout;
	fflush(o->capture);
	size_t len = (size_t)ftello(o->capture);
	if (len > o->capture_size)
		len = o->capture_size;
	if (o->format == OUTPUT_JSON) {
		fprintf(o->out, "{\"type\": \"%s\", \"data\": ", o->capture_type);
		json_write_string(o->out, o->capture_buf, len);
		fputs("}\n", o->out);
	} else if (o->text_hook) {
		o->text_hook(o->text_hook_ctx, o->capture_buf, len);
	}
	o->capture_type = NULL;
}
