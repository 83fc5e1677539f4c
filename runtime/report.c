/* --interval, --interval-clear, --live, --metrics and lost-event reports:
 * the periodic side of the run loop (see report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "runtime/faults.h"
#include "runtime/metrics.h"
#include "runtime/report.h"
#include "runtime/runtime.h"

#define LOST_REPORT_NS 1000000000ull	/* lost events: at most once a second ... */
#define LIVE_DEFAULT_NS 1000000000ull	/* --live without --interval: redraw every second */
#define LIVE_LINES 8			/* printf lines kept under the live maps */

struct report {
	uint64_t next_interval;	/* CLOCK_MONOTONIC ns; 0: no interval */
	uint64_t interval;
	uint64_t next_lost;
	bool live_on;		/* the alternate screen is ours */
	char *lines[LIVE_LINES];	/* the last printf lines, oldest first */
	int nlines;
	char *partial;		/* printf text without its newline yet */
	struct metrics *metrics;
	struct faults *faults;	/* full maps, failed reads (-k) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int report_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {
		{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000ull},
		{"m", 60000000000ull}, {"h", 3600000000000ull}, {"", 1000000000ull},
	};
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v == 0 || v > UINT64_MAX / units[i].mult)
			return -1;
		*ns = v * units[i].mult;
		return 0;
	}
	return -1;
}

/* --- the live view ------------------------------------------------------ */

static void live_keep_line(struct report *r, const char *s, size_t len)
{
	char *line = strndup(s, len);
	if (!line)
		return;
	if (r->nlines == LIVE_LINES) {
		free(r->lines[0]);
		memmove(r->lines, r->lines + 1, sizeof(r->lines[0]) * (LIVE_LINES - 1));
		r->nlines--;
	}
	r->lines[r->nlines++] = line;
}

/* printf's text while the live view is up: kept, shown under the maps. */
static void live_text(void *ctx, const char *text, size_t len)
{
	struct report *r = ctx;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		if (r->partial) {
			size_t pl = strlen(r->partial);
			char *joined = malloc(pl + i - start + 1);
			if (joined) {
				memcpy(joined, r->partial, pl);
				memcpy(joined + pl, text + start, i - start);
				live_keep_line(r, joined, pl + i - start);
				free(joined);
			}
			free(r->partial);
			r->partial = NULL;
		} else {
			live_keep_line(r, text + start, i - start);
		}
		start = i + 1;
	}
	if (start < len) {
		size_t pl = r->partial ? strlen(r->partial) : 0;
		char *p = realloc(r->partial, pl + len - start + 1);
		if (p) {
			memcpy(p + pl, text + start, len - start);
			p[pl + len - start] = 0;
			r->partial = p;
		}
	}
}

static void print_maps(struct runtime *rt);

/* One frame: header, maps, the last printf lines, cut to the terminal's
 * height so that nothing scrolls. */
static void live_draw(struct runtime *rt)
{
	struct report *r = rt->report;
	FILE *tty = rt->out.sink;
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	if (!mem)
		return;
	time_t t = time(NULL);
	char when[32];
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	fprintf(mem, "sonde --live  %s  %d probe%s  (Ctrl-C to stop)\n\n", when, rt->sp->naps,
		rt->sp->naps == 1 ? "" : "s");
	FILE *saved = rt->out.out;
	rt->out.out = mem;
	print_maps(rt);
	rt->out.out = saved;
	if (r->nlines) {
		fputs("--- recent output ---\n", mem);
		for (int i = 0; i < r->nlines; i++)
			fprintf(mem, "%s\n", r->lines[i]);
	}
	fclose(mem);

	struct winsize ws;
	int rows = 24;
	if (!ioctl(fileno(tty), TIOCGWINSZ, &ws) && ws.ws_row > 2)
		rows = ws.ws_row;
	int total = 0;
	for (size_t i = 0; i < size; i++)
		total += buf[i] == '\n';
	fputs("\033[H", tty);
	const char *p = buf;
	for (int line = 0; line < rows - 1 && *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (line == rows - 2 && total > rows - 1) {
			fprintf(tty, "... %d more lines (a taller terminal shows them)\033[K\n",
				total - line);
			break;
		}
		fwrite(p, 1, n, tty);
		fputs("\033[K\n", tty);
		p += n + (nl ? 1 : 0);
	}
	fputs("\033[J", tty);
	fflush(tty);
	free(buf);
}

static int live_start(struct runtime *rt)
{
	if (rt->opts.output.format == OUTPUT_JSON) {
		fprintf(stderr, "sonde: --live draws text on a terminal; it cannot be combined "
				"with -f json (use --interval)\n");
		return -1;
	}
	if (!isatty(fileno(rt->out.sink))) {
		fprintf(stderr, "sonde: --live needs a terminal on standard output "
				"(use --interval to print periodically into a pipe or file)\n");
		return -1;
	}
	/* the alternate screen: the terminal gets its contents back after */
	fputs("\033[?1049h\033[?25l\033[H\033[2J", rt->out.sink);
	fflush(rt->out.sink);
	rt->report->live_on = true;
	rt->out.text_hook = live_text;
	rt->out.text_hook_ctx = rt->report;
	return 0;
}

static void live_stop(struct runtime *rt)
{
	struct report *r = rt->report;
	if (!r || !r->live_on)
		return;
	fputs("\033[?25h\033[?1049l", rt->out.sink);
	fflush(rt->out.sink);
	r->live_on = false;
	rt->out.text_hook = NULL;
	/* what printf wrote while the view was up is not lost */
	for (int i = 0; i < r->nlines; i++)
		fprintf(rt->out.sink, "%s\n", r->lines[i]);
	if (r->partial)
		fputs(r->partial, rt->out.sink);
}

/* --- periodic printing ----------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	const struct sema_map *x = *(const struct sema_map *const *)a;
	const struct sema_map *y = *(const struct sema_map *const *)b;
	return strcmp(x->name, y->name);
}

/* Every map as print(@m) prints it, in name order. */
static void print_maps(struct runtime *rt)
{
	int n = rt->sp->nmaps;
	const struct sema_map **maps = malloc(sizeof(*maps) * ((size_t)n + 1));
	if (!maps)
		return;
	for (int i = 0; i < n; i++)
		maps[i] = rt->sp->maps[i];
	qsort(maps, (size_t)n, sizeof(*maps), by_name);
	for (int i = 0; i < n; i++)
		runtime_print_map(rt, maps[i], 0, 0);
	free(maps);
}

/* As `interval:s:N { time(); print(@a); print(@b); ... }` would print. */
static void interval_print(struct runtime *rt)
{
	time_t t = time(NULL);
	char when[32];
	size_t n = strftime(when, sizeof(when), "%H:%M:%S\n", localtime(&t));
	output_event_begin(&rt->out, "time");
	fwrite(when, 1, n, rt->out.out);
	output_event_end(&rt->out);
	print_maps(rt);
	output_flush(&rt->out);
}

static void clear_maps(struct runtime *rt)
{
	for (int i = 0; i < rt->sp->nmaps; i++)
		runtime_clear_map(rt, rt->sp->maps[i], false);
}

/* --- hooks ------------------------------------------------------------------ */

int report_start(struct runtime *rt)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	rt->report = r;
	r->interval = rt->opts.interval_ns;
	if (!r->interval && rt->opts.live)
		r->interval = LIVE_DEFAULT_NS;
	uint64_t now = now_ns();
	if (r->interval)
		r->next_interval = now + r->interval;
	r->next_lost = now + LOST_REPORT_NS;
	r->faults = faults_start(rt);
	if (rt->opts.metrics) {
		r->metrics = metrics_start(rt, rt->opts.metrics);
		if (!r->metrics)
			return -1;
	}
	if (rt->opts.live && live_start(rt))
		return -1;
	return 0;
}

static void lost_report(struct runtime *rt, bool final)
{
	struct report *r = rt->report;
	uint64_t now = now_ns();
	if (!final && r && now < r->next_lost)
		return;
	if (r) {
		/* once per interval when one is set, else once a second */
		uint64_t every = r->interval > LOST_REPORT_NS ? r->interval : LOST_REPORT_NS;
		r->next_lost = now + every;
	}
	/* warnings on stderr would scribble over the live view: they wait */
	if (r && (!r->live_on || final))
		faults_report(rt, r->faults);
	uint64_t total = runtime_lost_total(rt);
	if (total <= rt->lost_reported)
		return;
	if (r && r->live_on) {
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "Lost %llu events",
				 (unsigned long long)(total - rt->lost_reported));
		live_keep_line(r, msg, (size_t)n);
	} else {
		output_lost(&rt->out, total - rt->lost_reported);
	}
	rt->lost_reported = total;
}

void report_tick(struct runtime *rt, bool final)
{
	struct report *r = rt->report;
	lost_report(rt, final);
	if (final) {
		if (rt->lost_reported)
			fprintf(stderr, "sonde: %llu events lost in all: the ring buffer was full "
					"(print less per event, or less often)\n",
				(unsigned long long)rt->lost_reported);
		return;
	}
	if (!r || !r->next_interval)
		return;
	uint64_t now = now_ns();
	if (now < r->next_interval)
		return;
	r->next_interval += r->interval;
	if (r->next_interval <= now)
		r->next_interval = now + r->interval;
	if (r->live_on)
		live_draw(rt);
	else if (rt->opts.interval_ns)
		interval_print(rt);
	if (rt->opts.interval_clear)
		clear_maps(rt);
}

void report_stop(struct runtime *rt)
{
	live_stop(rt);
}

void report_free(struct runtime *rt)
{
	struct report *r = rt->report;
	if (!r)
		return;
	live_stop(rt);
	if (r->metrics)
		metrics_stop(r->metrics);
	faults_free(r->faults);
	for (int i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->partial);
	free(r);
	rt->report = NULL;
}
