/* The current task: curtask (a typed struct task_struct *), ppid, pcomm
 * (fields of it read through kernel BTF offsets) and username. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <bpf/btf.h>

#include "codegen/codegen.h"
#include "runtime/kernel_btf.h"
#include "stdlib/entries.h"

/* Offsets in struct task_struct, from this kernel's BTF, found once. */
struct task_offsets {
	uint32_t real_parent, group_leader, tgid, comm;
	bool ok;
};

static const struct task_offsets *task_offsets(void)
{
	static struct task_offsets o;
	static bool tried;
	if (tried)
		return o.ok ? &o : NULL;
	tried = true;
	struct btf *btf = kernel_btf();
	int id = kernel_btf_find("struct", "task_struct");
	struct kernel_btf_member m[4];
	if (!btf || id < 0 || !kernel_btf_member(btf, id, "real_parent", &m[0]) ||
	    !kernel_btf_member(btf, id, "group_leader", &m[1]) ||
	    !kernel_btf_member(btf, id, "tgid", &m[2]) || !kernel_btf_member(btf, id, "comm", &m[3]))
		return NULL;
	o.real_parent = m[0].bit_offset / 8;
	o.group_leader = m[1].bit_offset / 8;
	o.tgid = m[2].bit_offset / 8;
	o.comm = m[3].bit_offset / 8;
	o.ok = true;
	return &o;
}

/* struct task_struct * from BTF; uint64 when the kernel has no BTF. */
static struct type *task_ptr_type(struct arena *a)
{
	struct btf *btf = kernel_btf();
	int id = kernel_btf_find("struct", "task_struct");
	if (!btf || id < 0)
		return type_int(a, 8, false);
	return type_ptr(a, kernel_btf_type(a, btf, id));
}

static struct type *curtask_check(struct sema *s, struct ast_node *n)
{
	return task_ptr_type(sema_arena(s));
}

static LLVMValueRef current_task(struct codegen *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_task, cg->i64, NULL, 0);
}

static LLVMValueRef curtask_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return current_task(cg);
}

/* ppid and pcomm: of the current task, or of the task given. */
static bool task_arg_check(struct sema *s, struct ast_node *n)
{
	if (!task_offsets()) {
		sema_error(s, n->loc, "%s needs kernel BTF for struct task_struct, which this kernel lacks",
			   n->name);
		return false;
	}
	if (n->kind != AST_CALL || !n->list.len)
		return true;
	struct ast_node *arg = n->list.items[0];
	struct type *t = sema_check_expr(s, arg);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return false;
	bool task = t->kind == TY_PTR && t->elem && t->elem->kind == TY_RECORD && t->elem->name &&
		    !strcmp(t->elem->name, "struct task_struct");
	if (!task && t->kind != TY_INT) {
		sema_error(s, arg->loc, "%s() needs a struct task_struct *, not %s", n->name,
			   type_name(sema_arena(s), t));
		return false;
	}
	return true;
}

static LLVMValueRef task_arg(struct codegen *cg, struct ast_node *n)
{
	if (n->kind == AST_CALL && n->list.len)
		return cg_expr(cg, n->list.items[0]);
	return current_task(cg);
}

static struct type *ppid_check(struct sema *s, struct ast_node *n)
{
	if (!task_arg_check(s, n))
		return type_error(sema_arena(s));
	return type_int(sema_arena(s), 4, false);
}

static LLVMValueRef ppid_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct task_offsets *o = task_offsets();
	LLVMValueRef task = task_arg(cg, n);
	LLVMValueRef parent = cg_read_int(cg, LLVMBuildAdd(cg->b, task, cg_const(cg, o->real_parent), ""),
					  8, false, false);
	return cg_read_int(cg, LLVMBuildAdd(cg->b, parent, cg_const(cg, o->tgid), ""), 4, false, false);
}

static struct type *pcomm_check(struct sema *s, struct ast_node *n)
{
	if (!task_arg_check(s, n))
		return type_error(sema_arena(s));
	return type_string(sema_arena(s), 16);
}

static LLVMValueRef pcomm_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct task_offsets *o = task_offsets();
	LLVMValueRef buf = cg->dst && cg->dst_size >= 16 ? cg->dst : cg_buffer(cg, 16, "pcomm");
	cg->dst = NULL;
	LLVMValueRef task = task_arg(cg, n);
	LLVMValueRef leader = cg_read_int(cg, LLVMBuildAdd(cg->b, task, cg_const(cg, o->group_leader), ""),
					  8, false, false);
	cg_memset(cg, buf, 0, 16);
	LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, 16, 0),
			       LLVMBuildIntToPtr(cg->b, LLVMBuildAdd(cg->b, leader, cg_const(cg, o->comm), ""),
						 cg->ptr, "")};
	cg_helper(cg, BPF_FUNC_probe_read_kernel_str, cg->i64, args, 3);
	return buf;
}

static struct type *username_check(struct sema *s, struct ast_node *n)
{
	return type_special(sema_arena(s), SP_USERNAME, 8);
}

static LLVMValueRef username_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= 8 ? cg->dst : cg_buffer(cg, 8, "username");
	cg->dst = NULL;
	LLVMValueRef ug = cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
	cg_store_int(cg, LLVMBuildAnd(cg->b, ug, cg_const(cg, 0xffffffffu), "uid"), buf, 8);
	return buf;
}

const struct stdlib_fn sl_curtask = {
	.name = "curtask", .kind = SL_VAR, .check = curtask_check, .emit = curtask_emit,
};
const struct stdlib_fn sl_ppid = {
	.name = "ppid", .kind = SL_VAR, .check = ppid_check, .emit = ppid_emit,
};
const struct stdlib_fn sl_ppid_fn = {
	.name = "ppid", .kind = SL_FUNC, .min_args = 0, .max_args = 1,
	.check = ppid_check, .emit = ppid_emit,
};
const struct stdlib_fn sl_pcomm = {
	.name = "pcomm", .kind = SL_VAR, .check = pcomm_check, .emit = pcomm_emit,
};
const struct stdlib_fn sl_pcomm_fn = {
	.name = "pcomm", .kind = SL_FUNC, .min_args = 0, .max_args = 1,
	.check = pcomm_check, .emit = pcomm_emit,
};
const struct stdlib_fn sl_username = {
	.name = "username", .kind = SL_VAR, .check = username_check, .emit = username_emit,
};

/* cgroupid(path): the id of a cgroup (version 2) directory, read when
 * compiling: what the cgroup builtin gives for tasks in it. */
static struct type *cgroupid_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *arg = n->list.items[0];
	if (arg->kind != AST_STR) {
		sema_check_expr(s, arg);
		sema_error(s, arg->loc, "cgroupid() needs a path as a string literal");
		return type_error(a);
	}
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh.handle_bytes = sizeof(uint64_t)};
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, arg->str, &h.fh, &mount_id, 0) < 0 ||
	    h.fh.handle_bytes != sizeof(uint64_t)) {
		sema_error(s, arg->loc, "cgroupid(): cannot read the cgroup id of %s: %s", arg->str,
			   strerror(errno));
		return type_error(a);
	}
	memcpy(&n->ival, h.fh.f_handle, 8);
	return type_int(a, 8, false);
}

static LLVMValueRef cgroupid_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_const(cg, n->ival);
}

const struct stdlib_fn sl_cgroupid = {
	.name = "cgroupid", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = cgroupid_check, .emit = cgroupid_emit,
};
