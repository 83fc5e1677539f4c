/* What the perf-event providers share: parsing a rate ("s:1", "hz:99",
 * "10ms"), opening software clock events and attaching programs to them. */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/probes/probe.h"

#define NSEC_PER_SEC 1000000000ULL

/* ------------------------------------------------------------------ rates */

/* Decimal with '_' separators, 0x hex, or scientific "2e3".  *rest gets
 * what follows the number.  Returns -1 (not a number), -2 (too large). */
static int parse_uint(const char *s, uint64_t *out, const char **rest)
{
	uint64_t v = 0;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		for (p += 2; isxdigit((unsigned char)*p) || *p == '_'; p++) {
			if (*p == '_')
				continue;
			int d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
			if (v > (UINT64_MAX - d) / 16)
				return -2;
			v = v * 16 + d;
		}
		*out = v;
		*rest = p;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p) || (*p == '_' && isdigit((unsigned char)p[1])); p++) {
		if (*p == '_')
			continue;
		int d = *p - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if ((*p == 'e' || *p == 'E') && isdigit((unsigned char)p[1])) {
		char *end;
		unsigned long e = strtoul(p + 1, &end, 10);
		for (unsigned long i = 0; i < e; i++) {
			if (v > UINT64_MAX / 10)
				return -2;
			v *= 10;
		}
		p = end;
	}
	*out = v;
	*rest = p;
	return 0;
}

static bool mul_overflows(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

static const struct {
	const char *unit;
	uint64_t ns;
} time_units[] = {
	{"ns", 1},
	{"us", 1000},
	{"ms", 1000000},
	{"s", NSEC_PER_SEC},
	{"m", 60 * NSEC_PER_SEC},
	{"h", 3600 * NSEC_PER_SEC},
};

static int rate_error(struct probe_env *env, const struct ast_node *node,
		      const struct probe_provider *p, const char *text, int err)
{
	if (err == -2)
		diag_error(env->diags, node->loc, "invalid rate of %s probe: '%s' is too large",
			   p->name, text);
	else
		diag_error(env->diags, node->loc, "invalid rate of %s probe: '%s' is not an integer",
			   p->name, text);
	return -1;
}

/* "interval:1s", "interval:500ms", "interval:1000000" (nanoseconds): bpftrace
 * names such a probe in microseconds, "interval:us:1000". */
static int parse_duration(struct probe_env *env, const struct ast_node *node,
			  const struct probe_provider *p, const char *text, struct attach_point *ap)
{
	uint64_t v, ns = 0;
	const char *rest;
	int err = parse_uint(text, &v, &rest);
	if (err)
		return rate_error(env, node, p, text, err);
	uint64_t mult = 0;
	if (!*rest)
		mult = 1;
	for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]) && !mult; i++)
		if (!strcmp(rest, time_units[i].unit))
			mult = time_units[i].ns;
	if (!mult) {
		diag_error(env->diags, node->loc, "invalid rate of %s probe: unknown unit '%s' in '%s'",
			   p->name, rest, text);
		diag_hint(env->diags, "units are ns, us, ms, s, m and h; or write %s:UNIT:N with s, ms, us or hz",
			  p->name);
		return -1;
	}
	if (mul_overflows(v, mult, &ns))
		return rate_error(env, node, p, text, -2);
	if (ns < 1000) {
		diag_error(env->diags, node->loc,
			   "invalid rate of %s probe: the minimum is 1000 or 1us, found %" PRIu64
			   " nanoseconds",
			   p->name, ns);
		return -1;
	}
	ap->target = arena_strdup(env->arena, "us");
	ap->period = ns / 1000 * 1000;
	ap->name = arena_printf(env->arena, "%s:us:%" PRIu64, p->name, ns / 1000);
	return 0;
}

int probe_parse_timer(struct probe_env *env, const struct ast_node *node,
		      const struct probe_provider *p, char **parts, int nparts, bool keep_hz,
		      struct attach_point *ap)
{
	if (nparts == 2)
		return parse_duration(env, node, p, parts[1], ap);
	if (nparts != 3) {
		diag_error(env->diags, node->loc, "%s probe type requires 1 or 2 arguments, found %d",
			   p->name, nparts - 1);
		diag_hint(env->diags, "write %s:s:1, %s:ms:10, %s:us:100 or %s:hz:99", p->name,
			  p->name, p->name, p->name);
		return -1;
	}
	const char *unit = parts[1], *text = parts[2];
	uint64_t mult;
	if (!strcmp(unit, "s"))
		mult = NSEC_PER_SEC;
	else if (!strcmp(unit, "ms"))
		mult = 1000000;
	else if (!strcmp(unit, "us"))
		mult = 1000;
	else if (!strcmp(unit, "hz"))
		mult = 0;
	else {
		diag_error(env->diags, node->loc, "%s is not an accepted unit of time for %s probes",
			   *unit ? unit : "''", p->name);
		const char *units[] = {"s", "ms", "us", "hz"};
		const char *best = *unit ? diag_closest(unit, units, 4) : NULL;
		if (best)
			diag_hint(env->diags, "did you mean %s:%s:%s? (units: s, ms, us, hz)", p->name,
				  best, text);
		else
			diag_hint(env->diags, "the units are s, ms, us and hz");
		return -1;
	}
	uint64_t v;
	const char *rest;
	int err = parse_uint(text, &v, &rest);
	if (!err && *rest)
		err = -1;
	if (err)
		return rate_error(env, node, p, text, err);
	if (v == 0) {
		diag_error(env->diags, node->loc,
			   "invalid rate of %s probe: it must be a positive integer, found 0", p->name);
		return -1;
	}
	if (mult == 0) {
		if (!keep_hz && v > NSEC_PER_SEC) {
			diag_error(env->diags, node->loc,
				   "invalid rate of %s probe: at most 1000000000 hz, found %" PRIu64,
				   p->name, v);
			return -1;
		}
		ap->period = keep_hz ? v : NSEC_PER_SEC / v;
	} else if (mul_overflows(v, mult, &ap->period)) {
		return rate_error(env, node, p, text, -2);
	}
	ap->target = arena_strdup(env->arena, unit);
	ap->name = arena_printf(env->arena, "%s:%s:%" PRIu64, p->name, unit, v);
	return 0;
}

/* ------------------------------------------------------------------- CPUs */

int probe_online_cpus(int **out)
{
	*out = NULL;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	int *cpus = NULL, len = 0, cap = 0;
	for (char *p = buf; *p && *p != '\n';) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			p = end;
		}
		for (long c = lo; c <= hi && c - lo < 65536; c++) {
			if (len == cap) {
				cap = cap ? cap * 2 : 16;
				int *nc = realloc(cpus, cap * sizeof(*nc));
				if (!nc) {
					free(cpus);
					return -ENOMEM;
				}
				cpus = nc;
			}
			cpus[len++] = (int)c;
		}
		if (*p == ',')
			p++;
	}
	if (!len) {
		free(cpus);
		return -ENOENT;
	}
	*out = cpus;
	return len;
}

/* ----------------------------------------------------------------- attach */

static int attach_fail(struct loaded_probe *lp, int first_link, int err)
{
	fprintf(stderr, "sonde: cannot attach %s: %s\n", lp->ap->name, strerror(err));
	for (int i = first_link; i < lp->nlinks; i++)
		bpf_link__destroy(lp->links[i]);
	lp->nlinks = first_link;
	if (!lp->nlinks) { /* leave nothing for a caller that drops a failed probe */
		free(lp->links);
		lp->links = NULL;
	}
	return -err;
}

int probe_perf_attach(struct loaded_probe *lp, bool all_cpus, bool freq, uint64_t value)
{
	return probe_perf_attach_event(lp, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, all_cpus,
				       freq, value);
}

/* Opens the event described by attr on process pid (> 0: one event that
 * follows it on any CPU) or else on the first online CPU or on every one,
 * and attaches lp->prog to each with the attach point's index as cookie. */
static int perf_attach(struct loaded_probe *lp, const struct perf_event_attr *tmpl, int pid,
		       bool all_cpus)
{
	int *cpus;
	int ncpus = probe_online_cpus(&cpus);
	int first = lp->nlinks;
	if (ncpus < 0)
		return attach_fail(lp, first, -ncpus);
	if (!all_cpus || pid > 0)
		ncpus = 1; /* -p: one event following the process on any CPU */
	struct bpf_link **links = realloc(lp->links, (lp->nlinks + ncpus) * sizeof(*links));
	if (!links) {
		free(cpus);
		return attach_fail(lp, first, ENOMEM);
	}
	lp->links = links;
	for (int i = 0; i < ncpus; i++) {
		struct perf_event_attr attr = *tmpl;
		int fd = pid > 0 ? (int)syscall(__NR_perf_event_open, &attr, pid, -1, -1,
						PERF_FLAG_FD_CLOEXEC)
				 : (int)syscall(__NR_perf_event_open, &attr, -1, cpus[i], -1,
						PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			free(cpus);
			return attach_fail(lp, first, err);
		}
		LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (uint64_t)lp->ap->index);
		struct bpf_link *l = bpf_program__attach_perf_event_opts(lp->prog, fd, &opts);
		if (!l) {
			int err = errno ? errno : EINVAL;
			close(fd);
			free(cpus);
			return attach_fail(lp, first, err);
		}
		/* the link owns the perf event fd now: destroying it closes the fd */
		lp->links[lp->nlinks++] = l;
	}
	free(cpus);
	return 0;
}

int probe_perf_attach_event(struct loaded_probe *lp, uint32_t type, uint64_t config,
			    bool all_cpus, bool freq, uint64_t value)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
	};
	if (freq) {
		attr.freq = 1;
		attr.sample_freq = value;
	} else {
		attr.sample_period = value;
	}
	return perf_attach(lp, &attr, lp->pid, all_cpus);
}

int probe_perf_attach_attr(struct loaded_probe *lp, const struct perf_event_attr *attr, int pid)
{
	return perf_attach(lp, attr, pid, true);
}

void probe_perf_detach(struct loaded_probe *lp)
{
	/* Perf event fds handed to a link are closed with it; any left here
	 * (a provider that keeps an unlinked fd) are closed now. */
	for (int i = 0; i < lp->nperf_fds; i++)
		if (lp->perf_fds[i] >= 0)
			close(lp->perf_fds[i]);
	free(lp->perf_fds);
	lp->perf_fds = NULL;
	lp->nperf_fds = 0;
}
