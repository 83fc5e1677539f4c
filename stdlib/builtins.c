/* Builtin variables about the current task, time and CPU. */
#include <string.h>

#include <bpf/libbpf.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

static struct type *check_u32(struct sema *s, struct ast_node *n)
{
	return type_int(sema_arena(s), 4, false);
}

static struct type *check_u64(struct sema *s, struct ast_node *n)
{
	return type_int(sema_arena(s), 8, false);
}

static LLVMValueRef pid_tgid(struct codegen *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
}

static LLVMValueRef uid_gid(struct codegen *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
}

static LLVMValueRef high32(struct codegen *cg, LLVMValueRef v)
{
	return LLVMBuildLShr(cg->b, v, cg_const(cg, 32), "hi");
}

static LLVMValueRef low32(struct codegen *cg, LLVMValueRef v)
{
	return LLVMBuildAnd(cg->b, v, cg_const(cg, 0xffffffffu), "lo");
}

static LLVMValueRef emit_pid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return high32(cg, pid_tgid(cg));
}

static LLVMValueRef emit_tid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return low32(cg, pid_tgid(cg));
}

static LLVMValueRef emit_uid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return low32(cg, uid_gid(cg));
}

static LLVMValueRef emit_gid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return high32(cg, uid_gid(cg));
}

static LLVMValueRef emit_nsecs(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
}

static LLVMValueRef emit_cpu(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i64, NULL, 0);
	return low32(cg, v);
}

static LLVMValueRef emit_elapsed(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_elapsed(cg);
}

static struct type *check_comm(struct sema *s, struct ast_node *n)
{
	return type_string(sema_arena(s), 16);
}

static LLVMValueRef emit_comm(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef buf = cg->dst ? cg->dst : cg_buffer(cg, 16, "comm");
	cg->dst = NULL;
	LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, 16, 0)};
	cg_helper(cg, BPF_FUNC_get_current_comm, cg->i64, args, 2);
	return buf;
}

static struct type *check_probe(struct sema *s, struct ast_node *n)
{
	struct type *t = type_new(sema_arena(s), TY_PROBE);
	t->size = t->align = 8;
	return t;
}

static LLVMValueRef emit_probe(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	if (cg->prog->naps == 1)
		return cg_const(cg, (uint64_t)cg->prog->aps[0]->index);
	if (cg->probe_index)
		return LLVMBuildLoad2(cg->b, cg->i64, cg->probe_index, "probe");
	/* One program for several attach points: each attachment carries its
	 * index as the BPF cookie. */
	LLVMValueRef args[] = {cg->ctx_arg};
	return cg_helper(cg, BPF_FUNC_get_attach_cookie, cg->i64, args, 1);
}

static struct type *check_cpid(struct sema *s, struct ast_node *n)
{
	if (!sema_program(s)->target.cpid) {
		sema_error(s, n->loc, "cpid is the pid of the command run with -c, and there is none");
		return type_error(sema_arena(s));
	}
	return type_int(sema_arena(s), 4, false);
}

static LLVMValueRef emit_cpid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_const(cg, (uint64_t)cg->sp->target.cpid);
}

static LLVMValueRef emit_numaid(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return low32(cg, cg_helper(cg, BPF_FUNC_get_numa_node_id, cg->i64, NULL, 0));
}

static LLVMValueRef emit_jiffies(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_helper(cg, BPF_FUNC_jiffies64, cg->i64, NULL, 0);
}

static LLVMValueRef emit_rand(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return low32(cg, cg_helper(cg, BPF_FUNC_get_prandom_u32, cg->i64, NULL, 0));
}

static LLVMValueRef emit_cgroup(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_helper(cg, BPF_FUNC_get_current_cgroup_id, cg->i64, NULL, 0);
}

/* ncpus: the possible CPUs of this machine, a constant of the program. */
static LLVMValueRef emit_ncpus(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	int k = libbpf_num_possible_cpus();
	return cg_const(cg, (uint64_t)(k > 0 ? k : 1));
}

/* nsecs(monotonic | boot | tai | sw_tai): the clock named by an identifier. */
static const struct { const char *name; int helper; } clocks[] = {
	{"monotonic", BPF_FUNC_ktime_get_ns},
	{"boot", BPF_FUNC_ktime_get_boot_ns},
	{"tai", BPF_FUNC_ktime_get_tai_ns},
	{"sw_tai", BPF_FUNC_ktime_get_tai_ns},
};

static struct type *check_nsecs_fn(struct sema *s, struct ast_node *n)
{
	if (!n->list.len)
		return type_int(sema_arena(s), 8, false);
	struct ast_node *m = n->list.items[0];
	for (size_t i = 0; m->kind == AST_IDENT && i < sizeof(clocks) / sizeof(clocks[0]); i++)
		if (!strcmp(m->name, clocks[i].name)) {
			m->ival = (uint64_t)i;
			return type_int(sema_arena(s), 8, false);
		}
	sema_error(s, m->loc, "nsecs() takes a clock: monotonic, boot, tai or sw_tai");
	return type_error(sema_arena(s));
}

static LLVMValueRef emit_nsecs_fn(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	int helper = n->list.len ? clocks[n->list.items[0]->ival].helper : BPF_FUNC_ktime_get_ns;
	return cg_helper(cg, helper, cg->i64, NULL, 0);
}

/* func: the traced function, as the index of the attach point (printed as
 * its function's name, like probe). */
static struct type *check_func(struct sema *s, struct ast_node *n)
{
	struct sema_prog *p = sema_current_prog(s);
	static const char *const kinds[] = {"kprobe", "kretprobe", "uprobe", "uretprobe",
					    "fentry", "fexit"};
	for (size_t i = 0; p && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(p->provider->name, kinds[i]))
			return type_special(sema_arena(s), SP_FUNC, 8);
	sema_error(s, n->loc, "func is not available in %s probes (only kprobe, uprobe, fentry and their return probes)",
		   p ? p->provider->name : "these");
	return type_error(sema_arena(s));
}

static LLVMValueRef emit_func(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= 8 ? cg->dst : cg_buffer(cg, 8, "func");
	cg->dst = NULL;
	cg_store_int(cg, emit_probe(cg, n, t), buf, 8);
	return buf;
}

#define VAR(id, nm, chk, em) \
	const struct stdlib_fn id = {.name = nm, .kind = SL_VAR, .check = chk, .emit = em}

VAR(sl_pid, "pid", check_u32, emit_pid);
VAR(sl_tid, "tid", check_u32, emit_tid);
VAR(sl_uid, "uid", check_u32, emit_uid);
VAR(sl_gid, "gid", check_u32, emit_gid);
VAR(sl_comm, "comm", check_comm, emit_comm);
VAR(sl_nsecs, "nsecs", check_u64, emit_nsecs);
VAR(sl_elapsed, "elapsed", check_u64, emit_elapsed);
VAR(sl_cpu, "cpu", check_u32, emit_cpu);
VAR(sl_probe, "probe", check_probe, emit_probe);
VAR(sl_cpid, "cpid", check_cpid, emit_cpid);
VAR(sl_ncpus, "ncpus", check_u64, emit_ncpus);
VAR(sl_numaid, "numaid", check_u32, emit_numaid);
VAR(sl_jiffies, "jiffies", check_u64, emit_jiffies);
VAR(sl_rand, "rand", check_u32, emit_rand);
VAR(sl_cgroup, "cgroup", check_u64, emit_cgroup);
VAR(sl_func, "func", check_func, emit_func);

const struct stdlib_fn sl_nsecs_fn = {
	.name = "nsecs", .kind = SL_FUNC, .min_args = 0, .max_args = 1,
	.check = check_nsecs_fn, .emit = emit_nsecs_fn,
};
