/* profile:hz:N, profile:s:N, profile:ms:N, profile:us:N, profile:10ms:
 * fires on every online CPU (one cpu-clock perf event each). */
#include <string.h>

#include "runtime/probes/probe.h"

static int profile_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			  int nparts, struct attach_list *out)
{
	struct attach_point *ap = attach_point_new(env->arena, &probe_profile, node);
	/* ap->period: hz for profile:hz:N (sampled by frequency), else nanoseconds */
	if (probe_parse_timer(env, node, &probe_profile, parts, nparts, true, ap) < 0)
		return -1;
	attach_list_push(env->arena, out, ap);
	return 0;
}

static const char *profile_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "perf_event";
}

static int profile_attach(struct loaded_probe *lp)
{
	bool hz = !strcmp(lp->ap->target, "hz");
	return probe_perf_attach(lp, true, hz, lp->ap->period);
}

const struct probe_provider probe_profile = {
	.name = "profile",
	.alias = "p",
	.expand = profile_expand,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.section = profile_section,
	.attach = profile_attach,
	.detach = probe_perf_detach,
	.pid_at_attach = true,
};
