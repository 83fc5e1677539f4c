/* Symbols and stacks: ksym, usym (addresses named when printed), kaddr,
 * uaddr (names turned into addresses when compiling), kstack and ustack
 * (stack ids in a BPF stack trace map, symbolised when printed, so a map
 * keyed by stacks costs the probe one helper call). */
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "codegen/btf_maps.h"
#include "codegen/codegen.h"
#include "runtime/kallsyms.h"
#include "runtime/kernel_btf.h"
#include "runtime/probes/pt_regs.h"
#include "runtime/symbolize.h"
#include "stdlib/entries.h"

static bool addr_arg(struct sema *s, struct ast_node *n)
{
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return false;
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		sema_error(s, n->list.items[0]->loc, "%s() needs an address, not %s", n->name,
			   type_name(sema_arena(s), t));
		return false;
	}
	return true;
}

static bool user_probe(struct sema *s)
{
	struct sema_prog *p = sema_current_prog(s);
	const char *name = p ? p->provider->name : "";
	return !strcmp(name, "uprobe") || !strcmp(name, "uretprobe") || !strcmp(name, "usdt");
}

/* ------------------------------------------------------------ ksym, usym */

static struct type *ksym_check(struct sema *s, struct ast_node *n)
{
	if (!addr_arg(s, n))
		return type_error(sema_arena(s));
	return type_special(sema_arena(s), SP_KSYM, 8);
}

static struct type *usym_check(struct sema *s, struct ast_node *n)
{
	if (!addr_arg(s, n))
		return type_error(sema_arena(s));
	return type_special(sema_arena(s), SP_USYM, 16);
}

static LLVMValueRef out_buffer(struct codegen *cg, uint32_t size, const char *name)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= size ? cg->dst : cg_buffer(cg, size, name);
	cg->dst = NULL;
	return buf;
}

static LLVMValueRef tgid(struct codegen *cg)
{
	LLVMValueRef v = cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
	return LLVMBuildLShr(cg->b, v, cg_const(cg, 32), "tgid");
}

/* ksym: { addr }; usym: { addr, pid }: the process the address is in */
static LLVMValueRef sym_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	uint32_t size = n->type->size;
	LLVMValueRef buf = out_buffer(cg, size, "sym");
	cg_store_int(cg, cg_expr(cg, n->list.items[0]), buf, 8);
	if (size == 16)
		cg_store_int(cg, tgid(cg), cg_gep(cg, buf, 8), 8);
	return buf;
}

const struct stdlib_fn sl_ksym = {
	.name = "ksym", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = ksym_check, .emit = sym_emit,
};
const struct stdlib_fn sl_usym = {
	.name = "usym", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = usym_check, .emit = sym_emit,
};

/* ----------------------------------------------------------- kaddr, uaddr */

static const char *literal_arg(struct sema *s, struct ast_node *n)
{
	struct ast_node *a = n->list.items[0];
	if (a->kind != AST_STR) {
		sema_check_expr(s, a);
		sema_error(s, a->loc, "%s() needs a symbol name as a string literal", n->name);
		return NULL;
	}
	return a->str;
}

static struct type *kaddr_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	const char *name = literal_arg(s, n);
	if (!name)
		return type_error(a);
	uint64_t addr;
	if (!kallsyms_address(name, &addr)) {
		sema_error(s, n->list.items[0]->loc, "kaddr(): no kernel symbol '%s' in /proc/kallsyms",
			   name);
		if (sema_final(s)) {
			int k;
			const struct ksym *syms = kallsyms_functions(&k);
			const char **names = k ? malloc(sizeof(*names) * (size_t)k) : NULL;
			for (int i = 0; names && i < k; i++)
				names[i] = syms[i].name;
			const char *c = names ? diag_closest(name, names, k) : NULL;
			if (c)
				sema_hint(s, "did you mean '%s'?", c);
			free(names);
		}
		return type_error(a);
	}
	n->ival = addr;
	return type_int(a, 8, false);
}

static LLVMValueRef const_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	return cg_const(cg, n->ival);
}

const struct stdlib_fn sl_kaddr = {
	.name = "kaddr", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = kaddr_check, .emit = const_emit,
};

/* uaddr: the address of a symbol of the probed binary.  In a position
 * independent binary the load bias is added at run time.  In a uprobe
 * (executable or shared library) it is the probed function's address,
 * the instruction pointer at entry, less its address in the file; in the
 * other probes of an executable, the task's mm->start_code less the
 * lowest executable segment's address. */
struct uaddr_info {
	uint64_t addr, exec_vaddr;
	uint32_t mm_off, start_code_off;
	bool pie;
	uint64_t *entry;	/* by attach point of the program: its function's file address */
	uint32_t ip_off;	/* of pt_regs' ip: a uprobe's context */
};

/* A uprobe's function in the file: "name" or "name+offset". */
static bool uprobe_entry(const char *path, const char *func, uint64_t *vaddr)
{
	char name[256];
	const char *plus = func ? strchr(func, '+') : NULL;
	size_t len = plus ? (size_t)(plus - func) : func ? strlen(func) : 0;
	if (!len || len >= sizeof(name))
		return false;
	memcpy(name, func, len);
	name[len] = 0;
	uint64_t size, exec;
	bool pie;
	if (!sym_elf_lookup(path, name, vaddr, &size, &pie, &exec))
		return false;
	*vaddr += plus ? strtoull(plus + 1, NULL, 0) : 0;
	return true;
}

static bool uaddr_bias_from_ip(struct sema *s, struct ast_node *n, struct uaddr_info *u,
			       struct sema_prog *p)
{
	u->entry = arena_alloc(sema_arena(s), sizeof(*u->entry) * (size_t)p->naps);
	for (int i = 0; i < p->naps; i++)
		if (!uprobe_entry(p->aps[i]->target, p->aps[i]->func, &u->entry[i])) {
			sema_error(s, n->loc, "uaddr() in a position-independent binary needs the uprobe "
				   "on a function named in its symbol table, not %s", p->aps[i]->name);
			return false;
		}
	u->ip_off = (uint32_t)pt_regs_offset("ip");
	return true;
}

static struct type *uaddr_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	const char *name = literal_arg(s, n);
	if (!name)
		return type_error(a);
	struct sema_prog *p = sema_current_prog(s);
	if (!user_probe(s)) {
		sema_error(s, n->loc, "uaddr() works only in uprobe, uretprobe and usdt probes, not in %s probes",
			   p ? p->provider->name : "these");
		return type_error(a);
	}
	const char *path = p->aps[0]->target;
	struct uaddr_info *u = n->extra ? n->extra : arena_alloc(a, sizeof(*u));
	uint64_t size = 8;
	if (!path || !sym_elf_lookup(path, name, &u->addr, &size, &u->pie, &u->exec_vaddr)) {
		sema_error(s, n->list.items[0]->loc, "uaddr(): no symbol '%s' in %s", name,
			   path ? path : "the probed binary");
		return type_error(a);
	}
	for (int i = 1; i < p->naps; i++)
		if (!p->aps[i]->target || strcmp(p->aps[i]->target, path)) {
			sema_error(s, n->loc, "uaddr() in a probe of several binaries");
			return type_error(a);
		}
	u->entry = NULL;
	if (u->pie && !strcmp(p->provider->name, "uprobe")) {
		if (!uaddr_bias_from_ip(s, n, u, p))
			return type_error(a);
	} else if (u->pie) {
		struct btf *btf = kernel_btf();
		int task = kernel_btf_find("struct", "task_struct");
		int mm = kernel_btf_find("struct", "mm_struct");
		struct kernel_btf_member m1, m2;
		if (!btf || task < 0 || mm < 0 || !kernel_btf_member(btf, task, "mm", &m1) ||
		    !kernel_btf_member(btf, mm, "start_code", &m2)) {
			sema_error(s, n->loc, "uaddr() in a position-independent binary needs kernel BTF");
			return type_error(a);
		}
		if (strstr(path, ".so")) {
			sema_error(s, n->loc, "uaddr() in a shared library works in uprobes: %s probes do "
				   "not know where the library is loaded", p->provider->name);
			return type_error(a);
		}
		u->mm_off = m1.bit_offset / 8;
		u->start_code_off = m2.bit_offset / 8;
	}
	n->extra = u;
	/* an integer of the symbol's size when it has one, as bpftrace types it */
	uint32_t w = size == 1 || size == 2 || size == 4 ? (uint32_t)size : 8;
	struct type *t = type_ptr(a, type_int(a, w, false));
	t->user_ptr = true;
	return t;
}

static LLVMValueRef uaddr_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	const struct uaddr_info *u = n->extra;
	if (!u->pie)
		return cg_const(cg, u->addr);
	if (u->entry) {
		/* the entry address of the attach point that fired */
		const struct sema_prog *p = cg->prog;
		LLVMValueRef entry = cg_const(cg, u->entry[0]);
		if (p->naps > 1) {
			LLVMValueRef idx = sl_probe.emit(cg, n, NULL);
			for (int i = 1; i < p->naps; i++)
				entry = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, idx,
						cg_const(cg, (uint64_t)p->aps[i]->index), ""),
						cg_const(cg, u->entry[i]), entry, "");
		}
		LLVMValueRef ip = cg_load_int(cg, cg_gep(cg, cg->ctx_arg, u->ip_off), 8, false);
		return LLVMBuildAdd(cg->b, LLVMBuildSub(cg->b, ip, entry, "bias"), cg_const(cg, u->addr),
				    "uaddr");
	}
	LLVMValueRef task = cg_helper(cg, BPF_FUNC_get_current_task, cg->i64, NULL, 0);
	LLVMValueRef mm = cg_read_int(cg, LLVMBuildAdd(cg->b, task, cg_const(cg, u->mm_off), ""), 8,
				      false, false);
	LLVMValueRef start = cg_read_int(cg, LLVMBuildAdd(cg->b, mm, cg_const(cg, u->start_code_off), ""),
					 8, false, false);
	LLVMValueRef bias = LLVMBuildSub(cg->b, start, cg_const(cg, u->exec_vaddr), "bias");
	return LLVMBuildAdd(cg->b, bias, cg_const(cg, u->addr), "uaddr");
}

const struct stdlib_fn sl_uaddr = {
	.name = "uaddr", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = uaddr_check, .emit = uaddr_emit,
};

/* -------------------------------------------------------- kstack, ustack */

#define STACK_MAX_LIMIT 127

static const char *const stack_modes[] = {"bpftrace", "perf", "raw"};

/* kstack, kstack(limit), kstack(mode), kstack(mode, limit) */
static struct type *stack_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	bool user = n->name[0] == 'u';
	int mode = 0;
	int64_t limit = STACK_MAX_LIMIT;
	int nargs = n->kind == AST_CALL ? n->list.len : 0;
	int i = 0;
	if (nargs && n->list.items[0]->kind == AST_IDENT) {
		struct ast_node *m = n->list.items[0];
		mode = -1;
		for (int k = 0; k < 3; k++)
			if (!strcmp(m->name, stack_modes[k]))
				mode = k;
		if (mode < 0) {
			sema_error(s, m->loc, "%s(): the mode is bpftrace, perf or raw, not '%s'", n->name,
				   m->name);
			return type_error(a);
		}
		i = 1;
	}
	if (i < nargs) {
		if (!sema_const_int(s, n->list.items[i], &limit) || limit < 1 ||
		    limit > STACK_MAX_LIMIT) {
			sema_check_expr(s, n->list.items[i]);
			sema_error(s, n->list.items[i]->loc,
				   "%s(): the frame limit must be an integer constant from 1 to %d",
				   n->name, STACK_MAX_LIMIT);
			return type_error(a);
		}
		i++;
	}
	if (i < nargs) {
		sema_error(s, n->list.items[i]->loc, "%s() takes a mode and a frame limit: %s(perf, 10)",
			   n->name, n->name);
		return type_error(a);
	}
	struct type *t = type_special(a, user ? SP_USTACK : SP_KSTACK, user ? 16 : 8);
	t->sp_mode = mode;
	t->sp_limit = (int)limit;
	return t;
}

static LLVMValueRef stack_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	const struct type *t = n->type;
	bool user = t->special == SP_USTACK;
	LLVMValueRef buf = out_buffer(cg, t->size, "stack");
	char name[32];
	snprintf(name, sizeof(name), SYM_STACK_MAP_FMT, (unsigned)t->sp_limit);
	LLVMValueRef map = btf_map_extra(cg, name, BPF_MAP_TYPE_STACK_TRACE, cg->sp->max_map_keys, 4,
					 8 * (uint32_t)t->sp_limit);
	LLVMValueRef args[] = {cg->ctx_arg, map, cg_const(cg, user ? BPF_F_USER_STACK : 0)};
	LLVMValueRef id = cg_helper(cg, BPF_FUNC_get_stackid, cg->i64, args, 3);
	/* the helper returns a 32-bit id or a negative errno */
	id = LLVMBuildSExt(cg->b, LLVMBuildTrunc(cg->b, id, cg->i32, ""), cg->i64, "stackid");
	cg_store_int(cg, id, buf, 8);
	if (user)
		cg_store_int(cg, tgid(cg), cg_gep(cg, buf, 8), 8);
	return buf;
}

const struct stdlib_fn sl_kstack = {
	.name = "kstack", .kind = SL_VAR, .check = stack_check, .emit = stack_emit,
};
const struct stdlib_fn sl_ustack = {
	.name = "ustack", .kind = SL_VAR, .check = stack_check, .emit = stack_emit,
};
const struct stdlib_fn sl_kstack_fn = {
	.name = "kstack", .kind = SL_FUNC, .min_args = 0, .max_args = 2,
	.check = stack_check, .emit = stack_emit,
};
const struct stdlib_fn sl_ustack_fn = {
	.name = "ustack", .kind = SL_FUNC, .min_args = 0, .max_args = 2,
	.check = stack_check, .emit = stack_emit,
};
