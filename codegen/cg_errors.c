/* Runtime faults counted where they happen: a full map that drops an
 * update, and with -k a probe read that fails.  Each site (helper call in
 * a statement) gets a slot of a per-CPU array: {times failed, last return
 * code}.  The branch runs only on failure, so the cost on success is one
 * compare.  The runtime reads the slots and reports them (runtime/report.c). */
#include <errno.h>
#include <string.h>

#include "ast/arena.h"
#include "codegen/btf_maps.h"
#include "codegen/codegen.h"

static bool is_probe_read(int helper)
{
	switch (helper) {
	case BPF_FUNC_probe_read:
	case BPF_FUNC_probe_read_str:
	case BPF_FUNC_probe_read_user:
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_user_str:
	case BPF_FUNC_probe_read_kernel_str:
		return true;
	}
	return false;
}

static const char *map_name(struct codegen *cg, LLVMValueRef map)
{
	for (int i = 0; map && i < cg->sp->nmaps; i++)
		if (cg->u.map_globals[i] == map)
			return cg->sp->maps[i]->name;
	return NULL;
}

static bool same_site(const struct error_site *a, const struct error_site *b)
{
	return a->kind == b->kind && a->helper == b->helper && a->loc.line == b->loc.line &&
	       a->loc.col == b->loc.col && a->map == b->map;
}

/* The slot of site s, the same for the same place compiled twice (a probe
 * compiled once per context, an unrolled loop). */
static int site_id(struct codegen *cg, const struct error_site *s)
{
	for (int i = 0; i < cg->nsites; i++)
		if (same_site(&cg->sites[i], s))
			return i;
	if (cg->nsites == cg->sites_cap) {
		int cap = cg->sites_cap ? cg->sites_cap * 2 : 16;
		struct error_site *n = arena_alloc(cg->arena, sizeof(*n) * (size_t)cap);
		if (cg->nsites)
			memcpy(n, cg->sites, sizeof(*n) * (size_t)cg->nsites);
		cg->sites = n;
		cg->sites_cap = cap;
	}
	cg->sites[cg->nsites] = *s;
	return cg->nsites++;
}

/* long sonde_count_failure(long site, long rc): the site's slot counts
 * one more failure and keeps rc.  Shared: failures are rare, and the body
 * compiled once instead of at every site shortens the compile. */
static void build_count_failure(struct codegen *cg, LLVMValueRef fn, const void *arg)
{
	(void)arg;
	LLVMValueRef key = cg_alloca(cg, cg->i32, "site");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, LLVMGetParam(fn, 0), cg->i32, ""), key);
	LLVMValueRef slot = cg_map_lookup(cg, cg->u.errors_map, key);
	cg_if_nonnull(cg, slot);
	LLVMValueRef n = LLVMBuildLoad2(cg->b, cg->i64, slot, "failed");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, n, cg_const(cg, 1), ""), slot);
	LLVMBuildStore(cg->b, LLVMGetParam(fn, 1), cg_gep(cg, slot, 8));
	cg_end_if(cg);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
}

static void count_failure(struct codegen *cg, LLVMValueRef id, LLVMValueRef rc)
{
	if (!cg->u.errors_map)
		cg->u.errors_map = btf_map_pending(cg, SONDE_MAP_ERRORS);
	static const char *const pnames[] = {"site", "rc"};
	LLVMValueRef fn = cg_shared_fn(cg, "sonde_count_failure", "lll", pnames, build_count_failure, NULL);
	LLVMValueRef args[] = {id, rc};
	cg_call_shared(cg, fn, args, 2);
}

static struct error_site site_here(struct codegen *cg, int helper, LLVMValueRef map)
{
	struct error_site s = {.helper = helper, .loc = cg->loc};
	if (helper == BPF_FUNC_map_update_elem) {
		s.kind = ERROR_MAP_FULL;
		s.map = map_name(cg, map);
	} else {
		s.kind = ERROR_HELPER;
	}
	return s;
}

int cg_errors_site(struct codegen *cg, int helper, LLVMValueRef map)
{
	struct error_site s = site_here(cg, helper, map);
	return site_id(cg, &s);
}

void cg_errors_check(struct codegen *cg, int helper, LLVMValueRef rc, LLVMValueRef map)
{
	if (!cg->fn || LLVMGetTypeKind(LLVMTypeOf(rc)) != LLVMIntegerTypeKind)
		return;
	if (LLVMGetIntTypeWidth(LLVMTypeOf(rc)) < 64)
		rc = LLVMBuildSExt(cg->b, rc, cg->i64, "");
	LLVMValueRef failed;
	if (helper == BPF_FUNC_map_update_elem) {
		/* only a full map is a fault: -EEXIST and -ENOENT answer
		 * BPF_NOEXIST and BPF_EXIST, which sonde's updates do not use */
		failed = LLVMBuildICmp(cg->b, LLVMIntEQ, rc, cg_const(cg, (uint64_t)-E2BIG), "full");
	} else if (is_probe_read(helper) && cg->sp->check_helpers) {
		failed = LLVMBuildICmp(cg->b, LLVMIntSLT, rc, cg_const(cg, 0), "failed");
	} else {
		return;
	}
	/* in shared code the caller's site comes as a parameter */
	LLVMValueRef id = cg->site_param ? cg->site_param
					 : cg_const(cg, (uint64_t)cg_errors_site(cg, helper, map));
	cg_if(cg, failed);
	count_failure(cg, id, rc);
	cg_end_if(cg);
}

void cg_errors_finish(struct codegen *cg)
{
	if (!cg->nsites)
		return;
	/* every unit that counts failures has the map, sized for all sites */
	if (cg->u.errors_map)
		btf_map_describe(cg, cg->u.errors_map, BPF_MAP_TYPE_PERCPU_ARRAY,
				 (uint32_t)cg->nsites, 4, 16);
	cg->sp->error_sites = cg->sites;
	cg->sp->nerror_sites = cg->nsites;
}

const char *cg_helper_name(int helper)
{
	switch (helper) {
	case BPF_FUNC_map_update_elem: return "map_update_elem";
	case BPF_FUNC_probe_read: return "probe_read";
	case BPF_FUNC_probe_read_str: return "probe_read_str";
	case BPF_FUNC_probe_read_user: return "probe_read_user";
	case BPF_FUNC_probe_read_kernel: return "probe_read_kernel";
	case BPF_FUNC_probe_read_user_str: return "probe_read_user_str";
	case BPF_FUNC_probe_read_kernel_str: return "probe_read_kernel_str";
	}
	return "helper";
}
