/* BEGIN and END: programs the runtime runs itself (bpf_prog_test_run_opts)
 * before tracing starts and after it stops; nothing is attached. */
#include <fnmatch.h>
#include <string.h>

#include "runtime/probes/probe.h"

static int special_expand(const struct probe_provider *p, struct probe_env *env,
			  const struct ast_node *node, char **parts, int nparts,
			  struct attach_list *out)
{
	/* "BEGIN:*" is what a wildcard listing produces; accept it as bpftrace does */
	if (nparts == 2 && !strcmp(parts[1], "*"))
		nparts = 1;
	if (nparts != 1) {
		diag_error(env->diags, node->loc, "%s probe type requires 0 arguments, found %d",
			   p->name, nparts - 1);
		return -1;
	}
	struct attach_point *ap = attach_point_new(env->arena, p, node);
	ap->name = arena_strdup(env->arena, p->name);
	attach_list_push(env->arena, out, ap);
	return 0;
}

static int begin_expand(struct probe_env *env, const struct ast_node *node, char **parts,
			int nparts, struct attach_list *out)
{
	return special_expand(&probe_begin, env, node, parts, nparts, out);
}

static int end_expand(struct probe_env *env, const struct ast_node *node, char **parts,
		      int nparts, struct attach_list *out)
{
	return special_expand(&probe_end, env, node, parts, nparts, out);
}

static const char *special_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "raw_tp";
}

static int special_attach(struct loaded_probe *lp)
{
	(void)lp;
	return 0;
}

static void special_list(const struct probe_provider *p, char **parts, int nparts,
			 probe_list_emit_fn emit, void *ctx)
{
	/* "BEGIN" has nothing after its type; "*:*" still lists it */
	if (nparts == 0 || (nparts == 1 && fnmatch(parts[0], "", 0) == 0))
		emit(ctx, p->name);
}

const struct probe_provider probe_begin = {
	.name = "BEGIN",
	.alias = "begin",
	.expand = begin_expand,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.section = special_section,
	.attach = special_attach,
	.run_by_runtime = true,
	.list = special_list,
};

const struct probe_provider probe_end = {
	.name = "END",
	.alias = "end",
	.expand = end_expand,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.section = special_section,
	.attach = special_attach,
	.run_by_runtime = true,
	.list = special_list,
};
