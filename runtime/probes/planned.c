/* Probe types of bpftrace that sonde does not have yet: naming one gets
 * "not supported yet" at the attach point, not "unknown probe type". */
#include "runtime/probes/probe.h"

static int planned_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			  int nparts, struct attach_list *out)
{
	const struct probe_provider *p = probe_provider_find(parts[0]);
	diag_error(env->diags, node->loc, "%s probes are not supported yet", p ? p->name : parts[0]);
	return -1;
}

static const char *planned_section(struct arena *a, const struct attach_point *ap)
{
	return "";
}

const struct probe_provider probe_watchpoint = {
	.name = "watchpoint",
	.alias = "w",
	.expand = planned_expand,
	.section = planned_section,
};

const struct probe_provider probe_asyncwatchpoint = {
	.name = "asyncwatchpoint",
	.alias = "aw",
	.expand = planned_expand,
	.section = planned_section,
};
