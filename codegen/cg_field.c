/* Values in kernel or user memory: fields of BTF structs and unions, *p
 * and a[i].  An expression of record type is never loaded; its address is
 * carried to the field that is finally read, one probe read per pointer
 * followed (curtask->real_parent->pid: two reads). */
#include <string.h>

#include "codegen/codegen.h"

static bool is_args_field(const struct ast_node *n)
{
	return n->lhs->kind == AST_IDENT && n->lhs->name && !strcmp(n->lhs->name, "args");
}

LLVMValueRef cg_lvalue_addr(struct codegen *cg, struct ast_node *e, bool *user)
{
	switch (e->kind) {
	case AST_FIELD: {
		const struct sema_member *sm = e->extra;
		LLVMValueRef base;
		if (sm->deref) {
			base = cg_expr(cg, e->lhs);
		} else {
			bool u;
			base = cg_lvalue_addr(cg, e->lhs, &u);
		}
		*user = sm->user;
		return LLVMBuildAdd(cg->b, base, cg_const(cg, sm->bit_offset / 8), "field");
	}
	case AST_UNARY: /* *p */
		*user = e->lhs->type->user_ptr;
		return cg_expr(cg, e->lhs);
	case AST_INDEX: {
		const struct type *lt = e->lhs->type;
		LLVMValueRef base;
		if (lt->kind == TY_PTR) {
			base = cg_expr(cg, e->lhs);
			*user = lt->user_ptr;
		} else {
			base = cg_lvalue_addr(cg, e->lhs, user);
		}
		uint64_t esize = e->type->size ? e->type->size : 1;
		LLVMValueRef idx = cg_expr(cg, e->rhs);
		return LLVMBuildAdd(cg->b, base,
				    LLVMBuildMul(cg->b, idx, cg_const(cg, esize), ""), "elem");
	}
	default:
		*user = false;
		return cg_expr(cg, e);
	}
}

static bool scalar(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PTR;
}

/* The value of an in-memory expression: integers and pointers as i64,
 * strings and arrays copied to a buffer. */
LLVMValueRef cg_mem_read(struct codegen *cg, struct ast_node *e, LLVMValueRef dst, uint32_t dst_size)
{
	const struct type *t = e->type;
	bool user;
	if (e->kind == AST_FIELD && ((const struct sema_member *)e->extra)->bitfield_size) {
		const struct sema_member *sm = e->extra;
		LLVMValueRef rec;
		if (sm->deref)
			rec = cg_expr(cg, e->lhs);
		else
			rec = cg_lvalue_addr(cg, e->lhs, &user);
		return cg_read_bitfield(cg, rec, sm->bit_offset, sm->bitfield_size,
					t->kind == TY_INT && t->is_signed, sm->user);
	}
	LLVMValueRef addr = cg_lvalue_addr(cg, e, &user);
	if (scalar(t))
		return cg_read_int(cg, addr, t->kind == TY_BOOL ? 1 : t->size,
				   t->kind == TY_INT && t->is_signed, user);
	LLVMValueRef buf = dst && dst_size >= t->size ? dst : cg_buffer(cg, t->size, "mem");
	if (buf == dst)
		cg_memset(cg, buf, 0, dst_size);
	cg_probe_read(cg, buf, t->size, addr, user);
	return buf;
}

/* a[k] of an array copied out to BPF memory (a tracepoint field, a
 * variable): k is a constant in bounds (checked by sema). */
static LLVMValueRef index_value(struct codegen *cg, struct ast_node *e)
{
	LLVMValueRef base = cg_expr(cg, e->lhs);
	const struct type *t = e->type;
	LLVMValueRef idx = cg_expr(cg, e->rhs);
	LLVMValueRef p = LLVMBuildGEP2(cg->b, cg->i8, base,
				       (LLVMValueRef[]){LLVMBuildMul(cg->b, idx, cg_const(cg, t->size), "")},
				       1, "elem");
	if (scalar(t))
		return cg_load_int_aligned(cg, p, t->kind == TY_BOOL ? 1 : t->size,
					   t->kind == TY_INT && t->is_signed, 1);
	return p;
}

LLVMValueRef cg_member(struct codegen *cg, struct ast_node *e, LLVMValueRef dst, uint32_t dst_size)
{
	switch (e->kind) {
	case AST_FIELD:
		return cg_mem_read(cg, e, dst, dst_size);
	case AST_UNARY:
		if (e->op == OP_ADDR) {
			bool user;
			return cg_lvalue_addr(cg, e->lhs, &user);
		}
		return cg_mem_read(cg, e, dst, dst_size);
	case AST_INDEX:
		if (sema_in_memory(e))
			return cg_mem_read(cg, e, dst, dst_size);
		return index_value(cg, e);
	default:
		return cg_const(cg, 0);
	}
}

bool cg_is_member(const struct ast_node *e)
{
	return (e->kind == AST_FIELD && !is_args_field(e)) || e->kind == AST_INDEX ||
	       (e->kind == AST_UNARY && (e->op == OP_DEREF || e->op == OP_ADDR));
}
