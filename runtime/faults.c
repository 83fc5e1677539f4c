/* Reports the runtime faults the BPF side counted (see faults.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ast/diag.h"
#include "codegen/codegen.h"
#include "runtime/faults.h"
#include "runtime/json.h"
#include "runtime/runtime.h"

struct faults {
	int fd;			/* the per-CPU array of {failures, last rc} by site */
	int nsites;
	uint64_t *reported;	/* failures already reported, by site */
	uint8_t *vals;		/* one lookup's per-CPU values */
};

struct faults *faults_start(struct runtime *rt)
{
	if (!rt->sp->nerror_sites)
		return NULL;
	struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, SONDE_MAP_ERRORS);
	if (!m)
		return NULL;
	struct faults *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fd = bpf_map__fd(m);
	f->nsites = rt->sp->nerror_sites;
	f->reported = calloc((size_t)f->nsites, sizeof(*f->reported));
	f->vals = calloc((size_t)rt->ncpus, 16);
	if (!f->reported || !f->vals) {
		faults_free(f);
		return NULL;
	}
	return f;
}

void faults_free(struct faults *f)
{
	if (!f)
		return;
	free(f->reported);
	free(f->vals);
	free(f);
}

/* The site's failures summed over the CPUs, and a return code seen. */
static uint64_t site_read(struct runtime *rt, struct faults *f, uint32_t site, int64_t *rc)
{
	uint64_t total = 0;
	*rc = 0;
	if (bpf_map_lookup_elem(f->fd, &site, f->vals))
		return 0;
	for (int c = 0; c < rt->ncpus; c++) {
		uint64_t n;
		int64_t r;
		memcpy(&n, f->vals + (size_t)c * 16, 8);
		memcpy(&r, f->vals + (size_t)c * 16 + 8, 8);
		total += n;
		if (n)
			*rc = r;
	}
	return total;
}

/* bpftrace's words for the failure. */
static void describe(char *buf, size_t size, const struct error_site *s, int64_t rc)
{
	if (s->kind == ERROR_MAP_FULL)
		snprintf(buf, size, "Map full; can't update element. Try increasing max_map_keys config");
	else
		snprintf(buf, size, "Failed to %s: %s (%" PRId64 ")", cg_helper_name(s->helper),
			 strerror((int)-rc), rc);
}

static void report_text(struct runtime *rt, const struct error_site *s, const char *msg,
			uint64_t n)
{
	struct diags d;
	diag_init(&d, rt->sp->src, stderr);
	if (s->kind == ERROR_MAP_FULL)
		diag_warn(&d, s->loc, "%s (%s: %" PRIu64 " update%s dropped)", msg,
			  s->map ? s->map : "map", n, n == 1 ? "" : "s");
	else if (n > 1)
		diag_warn(&d, s->loc, "%s, %" PRIu64 " times", msg, n);
	else
		diag_warn(&d, s->loc, "%s", msg);
}

static void report_json(struct runtime *rt, const struct error_site *s, const char *msg,
			uint64_t n, int64_t rc)
{
	FILE *o = rt->out.sink ? rt->out.sink : rt->out.out;
	const char *file = rt->sp->src && rt->sp->src->name ? rt->sp->src->name : "";
	fputs("{\"type\": \"helper_error\", \"msg\": ", o);
	json_write_string(o, msg, strlen(msg));
	fprintf(o, ", \"helper\": \"%s\", \"retcode\": %" PRId64 ", \"filename\": ",
		cg_helper_name(s->helper), rc);
	json_write_string(o, file, strlen(file));
	fprintf(o, ", \"line\": %d, \"col\": %d, \"count\": %" PRIu64, s->loc.line, s->loc.col, n);
	if (s->map) {
		fputs(", \"map\": ", o);
		json_write_string(o, s->map, strlen(s->map));
	}
	fputs("}\n", o);
	fflush(o);
}

void faults_report(struct runtime *rt, struct faults *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nsites; i++) {
		int64_t rc;
		uint64_t total = site_read(rt, f, (uint32_t)i, &rc);
		if (total <= f->reported[i])
			continue;
		uint64_t n = total - f->reported[i];
		f->reported[i] = total;
		const struct error_site *s = &rt->sp->error_sites[i];
		char msg[160];
		describe(msg, sizeof(msg), s, rc);
		if (rt->out.format == OUTPUT_JSON)
			report_json(rt, s, msg, n, rc);
		else
			report_text(rt, s, msg, n);
	}
}
