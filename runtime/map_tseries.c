/* tseries maps: the text chart and the JSON list, as bpftrace prints them.
 *
 * Checked against bpftrace's source, not 0.17 (which has no tseries):
 * src/output/text.cpp and src/output/json.cpp at commit 6c004bf (the
 * TimeSeries emitters), src/format.cpp's build_time_series and
 * src/util/tseries.cpp, and the example output in docs/stdlib.md (commit
 * dba2afd) and tests/runtime/outputs/tseries_multiple.txt (commit fb2cc79).
 *
 * Which intervals a key shows: the newest interval of any key of the map is
 * the last row of every key; the window is the ts_count intervals up to it;
 * a key's rows start at its oldest value in that window.  Intervals without
 * a value show "-".  A key with no value in the window shows one "-" row
 * (bounds "null", as bpftrace prints them); a key whose slots were zeroed
 * shows "<no data>".
 *
 * The chart, for the rows' values between min and max (min - 1 and max + 1
 * when they are equal):
 *
 *	<time column>  min left-aligned in 21, max right-aligned in 32
 *	hh:mm:ss.ms  |___________________________________________________|
 *	10:41:46.700 |                         *                         | 1
 *	             v___________________________________________________v
 *	             min                                               max
 *
 * The line is 53 wide; the '*' is at 52 * (v - min) / (max - min) in single
 * precision, truncated; when min < 0 < max a '.' marks zero at
 * 53 * min / (min - max).  The time column is hh:mm:ss plus the fraction the
 * interval between rows needs (ms, μs or ns digits; one row: ns), from the
 * interval's start in local time.  bpftrace pads that header with
 * std::setw, which counts bytes: "μs" is 3 bytes, so that header is one
 * column short, as in bpftrace.
 *
 * JSON: [{"interval_start":"2025-03-04 10:41:46.700000000","value":1},...]
 * without the intervals that have no value; the time is UTC, as C++'s
 * operator<< writes a system_clock time point. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/map_print_internal.h"

#define TS_WIDTH 53	/* the chart's line, its two borders included */
#define TS_PAD 21	/* the min label's column */

struct ts_row {
	uint64_t epoch;
	bool has;
	int64_t v;	/* uint64_t bits when unsigned */
};

static const struct tseries_point *point(const uint8_t *points, uint32_t i)
{
	return (const struct tseries_point *)(const void *)(points + (size_t)i * sizeof(struct tseries_point));
}

uint64_t tseries_last_epoch(const struct map_view *m)
{
	uint32_t n = m->value->ts_count;
	uint64_t last = 0;
	for (size_t i = 0; i < m->n; i++)
		for (uint32_t j = 0; j < n; j++) {
			uint64_t e = point(m->entries[i].value, j)->epoch;
			if (e > last)
				last = e;
		}
	return last;
}

/* The rows of one key (malloc'd; *nrows may be 0). */
static struct ts_row *rows_of(const struct map_view *m, const uint8_t *points, uint64_t last,
			      size_t *nrows)
{
	uint32_t n = m->value->ts_count;
	uint64_t first = last - n + 1, start = last;
	*nrows = 0;
	if (!last || first > last)
		return NULL;
	for (uint32_t j = 0; j < n; j++) {
		uint64_t e = point(points, j)->epoch;
		if (e && e >= first && e < start)
			start = e;
	}
	struct ts_row *r = calloc((size_t)(last - start + 1), sizeof(*r));
	if (!r)
		return NULL;
	for (uint64_t e = start; e <= last; e++) {
		const struct tseries_point *p = point(points, (uint32_t)(e % n));
		struct ts_row *row = &r[(*nrows)++];
		row->epoch = e;
		row->has = p->epoch == e;
		row->v = row->has ? p->value : 0;
	}
	return r;
}

static bool less(bool is_signed, int64_t a, int64_t b)
{
	return is_signed ? a < b : (uint64_t)a < (uint64_t)b;
}

/* bpftrace's distance(p, other) for an integer other: p - other, wrapping
 * where bpftrace's overflows. */
static int64_t distance(bool is_signed, int64_t p, int64_t other)
{
	uint64_t v = (uint64_t)p, o = (uint64_t)other;
	if (is_signed || other < 0 || v > o)
		return (int64_t)(v - o);
	return (int64_t)(0 - (o - v));
}

/* width * a / b in single precision, as bpftrace computes the columns,
 * truncated to a column (kept in range: a float beyond int is undefined). */
static int column(float width, int64_t a, int64_t b)
{
	float c = width * (float)a / (float)b;
	return c > 0 && c < TS_WIDTH ? (int)c : c >= TS_WIDTH ? TS_WIDTH : 0;
}

static void print_num(char *buf, size_t len, bool is_signed, bool has, int64_t v)
{
	if (!has)
		snprintf(buf, len, "null");
	else if (is_signed)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%" PRIu64, (uint64_t)v);
}

/* The time column's unit: fraction digits and name (bpftrace's
 * util::duration_str and DisplayUnit). */
static int unit_digits(uint64_t interval, const char **name)
{
	if (interval >= 1000000000ull) {
		*name = "s";
		return 0;
	}
	if (interval >= 1000000ull) {
		*name = "ms";
		return 3;
	}
	if (interval >= 1000ull) {
		*name = "\xce\xbcs";	/* μs */
		return 6;
	}
	*name = "ns";
	return 9;
}

/* The wall-clock time an interval starts at, in ns since the epoch. */
static int64_t interval_start(const struct map_view *m, uint64_t epoch)
{
	return (int64_t)(epoch * m->value->ts_interval) - m->tai_offset;
}

static void print_time(FILE *f, int64_t ns, int digits)
{
	time_t s = (time_t)(ns / 1000000000);
	int64_t frac = ns % 1000000000;
	struct tm tm;
	char buf[32];
	if (!localtime_r(&s, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fputs(buf, f);
	if (digits) {
		int64_t scale = 1;
		for (int i = digits; i < 9; i++)
			scale *= 10;
		fprintf(f, ".%0*" PRId64, digits, frac / scale);
	}
}

static void bounds_line(FILE *f, int time_size, const char *min, const char *max)
{
	fprintf(f, "%*s%-*s%*s\n", time_size + 1, "", TS_PAD, min, TS_WIDTH - TS_PAD, max);
}

void tseries_chart(FILE *f, const struct map_view *m, const uint8_t *points, uint64_t last)
{
	bool sg = m->value->agg_signed;
	size_t n;
	struct ts_row *r = rows_of(m, points, last, &n);
	if (!n) {
		fputs("<no data>\n", f);
		free(r);
		return;
	}
	bool has = r[0].has;	/* the first row has a value unless none has */
	int64_t min = r[0].v, max = r[0].v;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].has)
			continue;
		if (less(sg, r[i].v, min))
			min = r[i].v;
		if (less(sg, max, r[i].v))
			max = r[i].v;
	}
	if (has && min == max) {
		/* room on both sides, unless at the end of the type's range */
		if (sg ? min > INT64_MIN : (uint64_t)min > 0)
			min--;
		if (sg ? max < INT64_MAX : (uint64_t)max < UINT64_MAX)
			max++;
	}
	uint64_t interval = (r[n - 1].epoch - r[0].epoch) * m->value->ts_interval / (n > 1 ? n - 1 : 1);
	const char *unit;
	int digits = unit_digits(interval, &unit);
	int time_size = 8 + (digits ? 1 + digits : 0);
	char lo[32], hi[32], hdr[32];
	print_num(lo, sizeof(lo), sg, has, min);
	print_num(hi, sizeof(hi), sg, has, max);
	snprintf(hdr, sizeof(hdr), "hh:mm:ss%s%s", digits ? "." : "", digits ? unit : "");

	bounds_line(f, time_size, lo, hi);
	fprintf(f, "%-*s|", time_size + 1, hdr);
	for (int i = 0; i < TS_WIDTH - 2; i++)
		fputc('_', f);
	fputs("|\n", f);

	int zero = 0;
	int64_t span = has ? distance(sg, min, max) : 0;
	if (has && distance(sg, min, 0) < 0 && distance(true, 0, max) < 0)
		zero = column(TS_WIDTH, distance(sg, min, 0), span);
	for (size_t i = 0; i < n; i++) {
		char line[TS_WIDTH + 1];
		memset(line, ' ', TS_WIDTH);
		line[TS_WIDTH] = 0;
		line[0] = '|';
		line[TS_WIDTH - 1] = '|';
		if (zero > 0 && zero < TS_WIDTH)
			line[zero] = '.';
		print_time(f, interval_start(m, r[i].epoch), digits);
		fputc(' ', f);
		if (r[i].has) {
			int at = TS_WIDTH / 2;
			if (min != max)
				at = column(TS_WIDTH - 1, distance(sg, min, r[i].v), span);
			line[at < 0 ? 0 : at > TS_WIDTH - 1 ? TS_WIDTH - 1 : at] = '*';
			char v[32];
			print_num(v, sizeof(v), sg, true, r[i].v);
			fprintf(f, "%s %s\n", line, v);
		} else {
			fprintf(f, "%s -\n", line);
		}
	}
	fprintf(f, "%*s v", time_size, "");
	for (int i = 0; i < TS_WIDTH - 2; i++)
		fputc('_', f);
	fputs("v\n", f);
	bounds_line(f, time_size, lo, hi);
	free(r);
}

void tseries_json(FILE *f, const struct map_view *m, const uint8_t *points, uint64_t last)
{
	bool sg = m->value->agg_signed, first = true;
	size_t n;
	struct ts_row *r = rows_of(m, points, last, &n);
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (!r[i].has)
			continue;
		int64_t ns = interval_start(m, r[i].epoch);
		time_t s = (time_t)(ns / 1000000000);
		struct tm tm;
		char when[40], v[32];
		if (!gmtime_r(&s, &tm))
			memset(&tm, 0, sizeof(tm));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		print_num(v, sizeof(v), sg, true, r[i].v);
		fprintf(f, "%s{\"interval_start\":\"%s.%09" PRId64 "\",\"value\":%s}", first ? "" : ",",
			when, ns % 1000000000, v);
		first = false;
	}
	fputc(']', f);
	free(r);
}
