/* software (s) and hardware (h): a perf event by name on every CPU, the
 * program running every COUNT occurrences: software:page-faults:100,
 * hardware:cache-misses:1000000, or without a count bpftrace's default. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/probes/probe.h"

struct perf_counter {
	const char *name, *alias;
	uint64_t config;
	uint64_t default_count;
};

/* bpftrace's names, aliases and default periods */
static const struct perf_counter software[] = {
	{"cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000},
	{"page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"dummy", NULL, PERF_COUNT_SW_DUMMY, 1},
	{"bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1},
};

static const struct perf_counter hardware[] = {
	{"cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
	{"branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
	{"backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000},
	{"ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
};

static bool is_hw(const struct probe_provider *p)
{
	return p == &probe_hardware;
}

static const struct perf_counter *table(const struct probe_provider *p, size_t *n)
{
	*n = is_hw(p) ? sizeof(hardware) / sizeof(*hardware) : sizeof(software) / sizeof(*software);
	return is_hw(p) ? hardware : software;
}

static int counter_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			  int nparts, struct attach_list *out)
{
	const struct probe_provider *p = probe_provider_find(parts[0]);
	size_t n;
	const struct perf_counter *t = table(p, &n);
	if (nparts != 2 && nparts != 3) {
		diag_error(env->diags, node->loc, "%s needs an event: %s:EVENT[:COUNT]", p->name, p->name);
		return -1;
	}
	const struct perf_counter *c = NULL;
	for (size_t i = 0; i < n && !c; i++)
		if (!strcmp(t[i].name, parts[1]) || (t[i].alias && !strcmp(t[i].alias, parts[1])))
			c = &t[i];
	if (!c) {
		diag_error(env->diags, node->loc, "unknown %s event '%s'", p->name, parts[1]);
		const char *names[32];
		for (size_t i = 0; i < n; i++)
			names[i] = t[i].name;
		const char *close = diag_closest(parts[1], names, (int)n);
		if (close)
			diag_hint(env->diags, "did you mean %s:%s?", p->name, close);
		return -1;
	}
	uint64_t count = c->default_count;
	if (nparts == 3) {
		char *end;
		count = strtoull(parts[2], &end, 0);
		if (!*parts[2] || *end || !count) {
			diag_error(env->diags, node->loc, "the count of %s:%s must be a positive integer",
				   p->name, c->name);
			return -1;
		}
	}
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->target = arena_strdup(env->arena, c->name);
	ap->func = (char *)c;	/* the event, for attach */
	ap->period = count;
	ap->name = nparts == 3 ? arena_printf(env->arena, "%s:%s:%llu", p->name, c->name,
					      (unsigned long long)count)
			       : arena_printf(env->arena, "%s:%s", p->name, c->name);
	attach_list_push(env->arena, out, ap);
	return 0;
}

static const char *counter_section(struct arena *a, const struct attach_point *ap)
{
	return "perf_event";
}

/* Virtual machines often expose no hardware counters: say that, rather
 * than perf_event_open's "No such file or directory". */
static bool counter_exists(uint32_t type, uint64_t config)
{
	struct perf_event_attr attr = {.type = type, .size = sizeof(attr), .config = config,
				       .disabled = 1};
	int fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != ENOENT && errno != EOPNOTSUPP;
}

static int counter_attach(struct loaded_probe *lp)
{
	const struct perf_counter *c = (const struct perf_counter *)lp->ap->func;
	uint32_t type = is_hw(lp->ap->provider) ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	if (!counter_exists(type, c->config)) {
		fprintf(stderr, "sonde: cannot attach %s: this machine has no %s counter %s\n",
			lp->ap->name, is_hw(lp->ap->provider) ? "hardware" : "software", c->name);
		return -ENOENT;
	}
	return probe_perf_attach_event(lp, type, c->config, true, false, lp->ap->period);
}

static void counter_list(const struct probe_provider *p, char **parts, int nparts,
			 probe_list_emit_fn emit, void *ctx)
{
	size_t n;
	const struct perf_counter *t = table(p, &n);
	char buf[128];
	for (size_t i = 0; i < n; i++) {
		if (nparts && fnmatch(parts[0], t[i].name, 0))
			continue;
		snprintf(buf, sizeof(buf), "%s:%s:", p->name, t[i].name);
		emit(ctx, buf);
	}
}

const struct probe_provider probe_software = {
	.name = "software",
	.alias = "s",
	.expand = counter_expand,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.section = counter_section,
	.attach = counter_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
	.list = counter_list,
};

const struct probe_provider probe_hardware = {
	.name = "hardware",
	.alias = "h",
	.expand = counter_expand,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.section = counter_section,
	.attach = counter_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
	.list = counter_list,
};
