/* interval:s:N, interval:ms:N, interval:us:N, interval:hz:N, interval:1s:
 * fires every period on one CPU (a cpu-clock perf event on the first online
 * CPU), unlike profile. */
#include "runtime/probes/probe.h"

static int interval_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			   int nparts, struct attach_list *out)
{
	struct attach_point *ap = attach_point_new(env->arena, &probe_interval, node);
	/* ap->period: nanoseconds, hz included */
	if (probe_parse_timer(env, node, &probe_interval, parts, nparts, false, ap) < 0)
		return -1;
	attach_list_push(env->arena, out, ap);
	return 0;
}

static const char *interval_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "perf_event";
}

static int interval_attach(struct loaded_probe *lp)
{
	/* a timer, not an event of a process: -p does not apply (it would
	 * stop the clock while the process sleeps) */
	lp->pid = 0;
	return probe_perf_attach(lp, false, false, lp->ap->period);
}

const struct probe_provider probe_interval = {
	.name = "interval",
	.alias = "i",
	.expand = interval_expand,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.section = interval_section,
	.attach = interval_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
};
