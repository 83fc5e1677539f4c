/* Lowering of expressions.  Integers, booleans and probe ids are i64 values;
 * strings and tuples are pointers to memory laid out as their type says. */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/stdlib.h"

static bool is_scalar(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PROBE || t->kind == TY_PTR;
}

static LLVMValueRef load_or_zero(struct codegen *cg, LLVMValueRef p, const struct type *t)
{
	LLVMValueRef tmp = cg_alloca(cg, cg->i64, "v");
	LLVMBuildStore(cg->b, cg_const(cg, 0), tmp);
	cg_if_nonnull(cg, p);
	uint32_t size = t->kind == TY_BOOL ? 1 : t->size;
	LLVMBuildStore(cg->b, cg_load_int(cg, p, size, t->kind == TY_INT && t->is_signed), tmp);
	cg_end_if(cg);
	return LLVMBuildLoad2(cg->b, cg->i64, tmp, "");
}

void cg_expr_into(struct codegen *cg, struct ast_node *e, LLVMValueRef dst, const struct type *t)
{
	const struct type *et = e->type;
	if (is_scalar(t)) {
		cg_store_int(cg, cg_expr(cg, e), dst, t->kind == TY_BOOL ? 1 : t->size);
		return;
	}
	if (t->kind == TY_TUPLE && e->kind == AST_TUPLE && et->nfields == t->nfields) {
		for (int i = 0; i < t->nfields; i++)
			cg_expr_into(cg, e->list.items[i], cg_gep(cg, dst, t->offsets[i]), t->fields[i]);
		return;
	}
	if (t->kind == TY_RECORD && sema_in_memory(e)) {
		/* one read straight into dst, however big (print(*curtask)
		 * into the ring buffer); a failed read leaves zeros */
		bool user;
		LLVMValueRef addr = cg_lvalue_addr(cg, e, &user);
		cg_probe_read(cg, dst, t->size, addr, user);
		return;
	}
	if ((t->kind == TY_STRING && et->kind == TY_STRING && et->size <= t->size) ||
	    (t->kind == TY_RECORD && et->kind == TY_RECORD && et->size == t->size)) {
		/* Producers write straight into dst when it is big enough. */
		cg->dst = dst;
		cg->dst_size = t->size;
		LLVMValueRef v = cg_expr(cg, e);
		cg->dst = NULL;
		if (v != dst) {
			cg_memcpy(cg, dst, v, et->size);
			if (t->size > et->size)
				cg_memset(cg, cg_gep(cg, dst, et->size), 0, t->size - et->size);
		}
		return;
	}
	LLVMValueRef v = cg_expr(cg, e);
	uint32_t n = et->size < t->size ? et->size : t->size;
	cg_memcpy(cg, dst, v, n);
	if (t->kind == TY_STRING) {
		if (n == t->size)
			LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), cg_gep(cg, dst, n - 1));
		else
			cg_memset(cg, cg_gep(cg, dst, n), 0, t->size - n);
	}
}

LLVMValueRef cg_map_key(struct codegen *cg, struct ast_node *m, uint32_t extra)
{
	const struct sema_map *map = m->map;
	LLVMValueRef key = cg_buffer(cg, map->layout.key_size, "key");
	if (!m->list.len)
		return key;
	if (m->list.len == 1) {
		cg_expr_into(cg, m->list.items[0], key, map->key);
		return key;
	}
	for (int i = 0; i < m->list.len; i++)
		cg_expr_into(cg, m->list.items[i], cg_gep(cg, key, map->key->offsets[i]),
			     map->key->fields[i]);
	return key;
}

static LLVMValueRef map_read(struct codegen *cg, struct ast_node *m)
{
	LLVMValueRef key = cg_map_key(cg, m, 0);
	LLVMValueRef v = cg_map_lookup(cg, cg_map_global(cg, m->map), key);
	const struct type *t = m->map->value;
	if (is_scalar(t))
		return load_or_zero(cg, v, t);
	LLVMValueRef buf = cg_buffer(cg, t->size, "mapval");
	cg_if_nonnull(cg, v);
	cg_memcpy(cg, buf, v, t->size);
	cg_end_if(cg);
	return buf;
}

static LLVMValueRef var_storage(struct codegen *cg, struct sema_var *v)
{
	if (v->storage_fn != cg->fn) {
		const struct type *t = v->type;
		v->storage = is_scalar(t) ? cg_alloca(cg, cg->i64, v->name)
					  : cg_var_buffer(cg, t->size, v->name);
		v->storage_fn = cg->fn;
		if (is_scalar(t))
			LLVMBuildStore(cg->b, cg_const(cg, 0), v->storage);
	}
	return v->storage;
}

LLVMValueRef cg_var_ref(struct codegen *cg, struct sema_var *v)
{
	return var_storage(cg, v);
}

static LLVMValueRef var_read(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef p = var_storage(cg, n->var);
	if (is_scalar(n->var->type))
		return LLVMBuildLoad2(cg->b, cg->i64, p, "");
	return p;
}

static LLVMValueRef str_literal(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef buf = cg_buffer(cg, n->type->size, "lit");
	for (size_t i = 0; i < n->str_len; i += 8) {
		uint64_t w = 0;
		size_t k = n->str_len - i < 8 ? n->str_len - i : 8;
		memcpy(&w, n->str + i, k);
		if (w)
			LLVMBuildStore(cg->b, cg_const(cg, w), cg_gep(cg, buf, i));
	}
	return buf;
}

/* Equality of two strings up to their first NUL, unrolled. */
static LLVMValueRef str_equal(struct codegen *cg, struct ast_node *l, struct ast_node *r)
{
	if (l->kind == AST_STR) {
		struct ast_node *t = l;
		l = r;
		r = t;
	}
	LLVMValueRef a = cg_expr(cg, l);
	LLVMValueRef eq = LLVMConstInt(cg->i1, 1, 0);
	if (r->kind == AST_STR) {
		/* Against a literal: its bytes and its NUL, nothing more. */
		uint32_t n = (uint32_t)r->str_len + 1;
		if (n > l->type->size)
			return LLVMConstInt(cg->i1, 0, 0);
		for (uint32_t i = 0; i < n; i++) {
			LLVMValueRef c = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, a, i), "");
			uint8_t want = i < r->str_len ? (uint8_t)r->str[i] : 0;
			eq = LLVMBuildAnd(cg->b, eq,
					  LLVMBuildICmp(cg->b, LLVMIntEQ, c, LLVMConstInt(cg->i8, want, 0), ""),
					  "");
		}
		return eq;
	}
	LLVMValueRef bptr = cg_expr(cg, r);
	uint32_t n = l->type->size < r->type->size ? l->type->size : r->type->size;
	LLVMValueRef alive = LLVMConstInt(cg->i1, 1, 0);
	for (uint32_t i = 0; i < n; i++) {
		LLVMValueRef x = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, a, i), "");
		LLVMValueRef y = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, bptr, i), "");
		LLVMValueRef ne = LLVMBuildICmp(cg->b, LLVMIntNE, x, y, "");
		eq = LLVMBuildAnd(cg->b, eq, LLVMBuildNot(cg->b, LLVMBuildAnd(cg->b, alive, ne, ""), ""), "");
		alive = LLVMBuildAnd(cg->b, alive,
				     LLVMBuildICmp(cg->b, LLVMIntNE, x, LLVMConstInt(cg->i8, 0, 0), ""), "");
	}
	return eq;
}

static bool both_signed(struct ast_node *n)
{
	const struct type *l = n->lhs->type, *r = n->rhs->type;
	return l->kind == TY_INT && l->is_signed && r->kind == TY_INT && r->is_signed;
}

/* BPF before v4 has only unsigned division: divide magnitudes, fix signs. */
static LLVMValueRef signed_divmod(struct codegen *cg, LLVMValueRef a, LLVMValueRef b, bool mod)
{
	LLVMValueRef zero = cg_const(cg, 0);
	LLVMValueRef an = LLVMBuildICmp(cg->b, LLVMIntSLT, a, zero, "");
	LLVMValueRef bn = LLVMBuildICmp(cg->b, LLVMIntSLT, b, zero, "");
	LLVMValueRef aa = LLVMBuildSelect(cg->b, an, LLVMBuildNeg(cg->b, a, ""), a, "");
	LLVMValueRef ab = LLVMBuildSelect(cg->b, bn, LLVMBuildNeg(cg->b, b, ""), b, "");
	if (mod) {
		LLVMValueRef r = LLVMBuildURem(cg->b, aa, ab, "");
		return LLVMBuildSelect(cg->b, an, LLVMBuildNeg(cg->b, r, ""), r, "");
	}
	LLVMValueRef q = LLVMBuildUDiv(cg->b, aa, ab, "");
	LLVMValueRef neg = LLVMBuildXor(cg->b, an, bn, "");
	return LLVMBuildSelect(cg->b, neg, LLVMBuildNeg(cg->b, q, ""), q, "");
}

static LLVMValueRef zext(struct codegen *cg, LLVMValueRef i1)
{
	return LLVMBuildZExt(cg->b, i1, cg->i64, "");
}

static LLVMValueRef logical(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef res = cg_alloca(cg, cg->i64, "logic");
	LLVMValueRef l = cg_expr(cg, n->lhs);
	LLVMValueRef lt = LLVMBuildICmp(cg->b, LLVMIntNE, l, cg_const(cg, 0), "");
	LLVMBuildStore(cg->b, zext(cg, lt), res);
	/* && evaluates rhs only when lhs is true, || only when it is false */
	cg_if(cg, n->op == OP_LAND ? lt : LLVMBuildNot(cg->b, lt, ""));
	LLVMValueRef r = cg_expr(cg, n->rhs);
	LLVMBuildStore(cg->b, zext(cg, LLVMBuildICmp(cg->b, LLVMIntNE, r, cg_const(cg, 0), "")), res);
	cg_end_if(cg);
	return LLVMBuildLoad2(cg->b, cg->i64, res, "");
}

static LLVMValueRef binary(struct codegen *cg, struct ast_node *n)
{
	if (n->op == OP_LAND || n->op == OP_LOR)
		return logical(cg, n);
	if (n->lhs->type->kind == TY_STRING) {
		LLVMValueRef eq = str_equal(cg, n->lhs, n->rhs);
		return zext(cg, n->op == OP_EQ ? eq : LLVMBuildNot(cg->b, eq, ""));
	}
	LLVMValueRef a = cg_expr(cg, n->lhs), b = cg_expr(cg, n->rhs);
	bool s = both_signed(n);
	if (n->type->kind == TY_PTR && (n->op == OP_ADD || n->op == OP_SUB)) {
		/* pointer arithmetic counts elements of the pointed-to type */
		uint32_t es = n->type->elem && n->type->elem->size ? n->type->elem->size : 1;
		if (n->lhs->type->kind == TY_PTR)
			b = LLVMBuildMul(cg->b, b, cg_const(cg, es), "");
		else
			a = LLVMBuildMul(cg->b, a, cg_const(cg, es), "");
	}
	switch (n->op) {
	case OP_ADD: return cg_int_cast(cg, LLVMBuildAdd(cg->b, a, b, ""), n->type);
	case OP_SUB: return LLVMBuildSub(cg->b, a, b, "");
	case OP_MUL: return LLVMBuildMul(cg->b, a, b, "");
	case OP_DIV:
	case OP_MOD: {
		/* Division by zero gives 0 (the kernel's BPF semantics for
		 * udiv; made explicit so signed division agrees). */
		LLVMValueRef z = LLVMBuildICmp(cg->b, LLVMIntEQ, b, cg_const(cg, 0), "");
		LLVMValueRef safe = LLVMBuildSelect(cg->b, z, cg_const(cg, 1), b, "");
		LLVMValueRef r = s ? signed_divmod(cg, a, safe, n->op == OP_MOD)
				   : n->op == OP_MOD ? LLVMBuildURem(cg->b, a, safe, "")
						     : LLVMBuildUDiv(cg->b, a, safe, "");
		return LLVMBuildSelect(cg->b, z, cg_const(cg, 0), r, "");
	}
	case OP_BAND: return LLVMBuildAnd(cg->b, a, b, "");
	case OP_BOR: return LLVMBuildOr(cg->b, a, b, "");
	case OP_BXOR: return LLVMBuildXor(cg->b, a, b, "");
	case OP_SHL: return LLVMBuildShl(cg->b, a, b, "");
	case OP_SHR: return s ? LLVMBuildAShr(cg->b, a, b, "") : LLVMBuildLShr(cg->b, a, b, "");
	case OP_EQ: return zext(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, a, b, ""));
	case OP_NE: return zext(cg, LLVMBuildICmp(cg->b, LLVMIntNE, a, b, ""));
	case OP_LT: return zext(cg, LLVMBuildICmp(cg->b, s ? LLVMIntSLT : LLVMIntULT, a, b, ""));
	case OP_LE: return zext(cg, LLVMBuildICmp(cg->b, s ? LLVMIntSLE : LLVMIntULE, a, b, ""));
	case OP_GT: return zext(cg, LLVMBuildICmp(cg->b, s ? LLVMIntSGT : LLVMIntUGT, a, b, ""));
	case OP_GE: return zext(cg, LLVMBuildICmp(cg->b, s ? LLVMIntSGE : LLVMIntUGE, a, b, ""));
	default: return cg_const(cg, 0);
	}
}

/* ++ and -- on variables and maps; returns the old or the new value. */
static LLVMValueRef incdec(struct codegen *cg, struct ast_node *n)
{
	bool inc = n->op == OP_PRE_INC || n->op == OP_POST_INC;
	bool post = n->op == OP_POST_INC || n->op == OP_POST_DEC;
	struct ast_node *t = n->lhs;
	LLVMValueRef old = t->kind == AST_VAR ? var_read(cg, t) : map_read(cg, t);
	LLVMValueRef nv = inc ? LLVMBuildAdd(cg->b, old, cg_const(cg, 1), "")
			      : LLVMBuildSub(cg->b, old, cg_const(cg, 1), "");
	cg_assign_int(cg, t, nv);
	return post ? old : nv;
}

void cg_assign_int(struct codegen *cg, struct ast_node *target, LLVMValueRef v)
{
	if (target->kind == AST_VAR) {
		LLVMBuildStore(cg->b, cg_int_cast(cg, v, target->var->type), var_storage(cg, target->var));
		return;
	}
	LLVMValueRef key = cg_map_key(cg, target, 0);
	LLVMValueRef val = cg_alloca(cg, cg->i64, "val");
	LLVMBuildStore(cg->b, v, val);
	cg_map_update(cg, cg_map_global(cg, target->map), key, val, BPF_ANY);
}

/* A field of a struct copied into BPF memory (a variable, a map value):
 * read in place. */
static LLVMValueRef local_field(struct codegen *cg, struct ast_node *n)
{
	const struct sema_member *sm = n->extra;
	const struct type *t = n->type;
	LLVMValueRef base = cg_expr(cg, n->lhs);
	bool is_signed = t->kind == TY_INT && t->is_signed;
	if (sm->bitfield_size)
		return cg_read_bitfield(cg, LLVMBuildPtrToInt(cg->b, base, cg->i64, ""), sm->bit_offset,
					sm->bitfield_size, is_signed, false);
	LLVMValueRef p = cg_gep(cg, base, sm->bit_offset / 8);
	if (is_scalar(t))
		return cg_load_int_aligned(cg, p, t->kind == TY_BOOL ? 1 : t->size, is_signed, 1);
	return p;
}

static LLVMValueRef ctx_read(struct codegen *cg, struct ast_node *n);

/* args alone: every argument of the context copied into one record, each
 * read as args.name reads it. */
static LLVMValueRef args_record(struct codegen *cg, struct ast_node *n, LLVMValueRef dst,
				uint32_t dst_size)
{
	const struct type *t = n->type;
	/* loaded by the semantic pass, which typed args from them */
	const struct ctx_field *fs;
	int nf = attach_point_fields(cg->prog->aps[0], cg->sp->arena, cg->diags, true, &fs);
	LLVMValueRef buf = dst && dst_size >= t->size ? dst : cg_buffer(cg, t->size, "args");
	int k = 0;
	for (int i = 0; i < nf && k < t->nfields; i++) {
		if (fs[i].builtin)
			continue;
		struct ast_node field = {.kind = AST_FIELD, .loc = n->loc, .lhs = n,
					 .name = (char *)fs[i].name,
					 .extra = (void *)&fs[i], .type = t->fields[k]};
		cg_expr_into(cg, &field, cg_gep(cg, buf, t->offsets[k]), t->fields[k]);
		k++;
	}
	return buf;
}

/* A context value, as the probe provider described it. */
static LLVMValueRef ctx_read(struct codegen *cg, struct ast_node *n)
{
	const struct ctx_field *f = n->extra;
	const struct type *t = n->type;
	LLVMValueRef p = cg_gep(cg, cg->ctx_arg, f->offset);
	if (f->read == CTX_CONST)
		return cg_int_cast(cg, cg_const(cg, (uint64_t)f->disp), t);
	if (f->read == CTX_USER_MEM) {
		LLVMValueRef addr = LLVMBuildAdd(cg->b, cg_load_int(cg, p, 8, false),
						 cg_const(cg, (uint64_t)f->disp), "addr");
		LLVMValueRef tmp = cg_alloca(cg, cg->i64, "umem");
		LLVMBuildStore(cg->b, cg_const(cg, 0), tmp);
		LLVMValueRef args[] = {tmp, LLVMConstInt(cg->i32, t->size, 0),
				       LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "")};
		cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
		return cg_load_int(cg, tmp, t->size, t->kind == TY_INT && t->is_signed);
	}
	if (f->data_loc) {
		/* __data_loc: low 16 bits offset from the record start, high 16 length */
		LLVMValueRef loc = cg_load_int(cg, p, 4, false);
		LLVMValueRef off = LLVMBuildAnd(cg->b, loc, cg_const(cg, 0xffff), "");
		LLVMValueRef src = LLVMBuildGEP2(cg->b, cg->i8, cg->ctx_arg, &off, 1, "");
		uint32_t size = n->type->size;
		LLVMValueRef buf = cg->dst && cg->dst_size >= size ? cg->dst : cg_buffer(cg, size, "dl");
		cg->dst = NULL;
		LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, size, 0), src};
		cg_helper(cg, BPF_FUNC_probe_read_kernel_str, cg->i64, args, 3);
		return buf;
	}
	if (is_scalar(t)) {
		uint32_t size = t->kind == TY_BOOL ? 1 : t->size;
		return cg_load_int_aligned(cg, p, size, t->kind == TY_INT && t->is_signed,
					   f->offset % size ? 1 : size);
	}
	/* char arrays and other fixed fields: copied out of the context */
	LLVMValueRef buf = cg_buffer(cg, t->size, "field");
	LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, t->size, 0), p};
	cg_helper(cg, BPF_FUNC_probe_read_kernel, cg->i64, args, 3);
	return buf;
}

static LLVMValueRef ternary(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef c = cg_expr(cg, n->cond);
	LLVMValueRef cond = LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_const(cg, 0), "");
	if (is_scalar(n->type)) {
		LLVMValueRef res = cg_alloca(cg, cg->i64, "sel");
		cg_if(cg, cond);
		LLVMBuildStore(cg->b, cg_expr(cg, n->then), res);
		cg_else(cg);
		LLVMBuildStore(cg->b, cg_expr(cg, n->otherwise), res);
		cg_end_if(cg);
		return LLVMBuildLoad2(cg->b, cg->i64, res, "");
	}
	LLVMValueRef buf = cg_buffer(cg, n->type->size, "sel");
	cg_if(cg, cond);
	cg_expr_into(cg, n->then, buf, n->type);
	cg_else(cg);
	cg_expr_into(cg, n->otherwise, buf, n->type);
	cg_end_if(cg);
	return buf;
}

static LLVMValueRef expr_value(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef dst = cg->dst;
	uint32_t dst_size = cg->dst_size;
	cg->dst = NULL; /* the hint is for n itself, not its operands */
	switch (n->kind) {
	case AST_INT:
	case AST_BOOL:
		return cg_const(cg, n->ival);
	case AST_STR:
		return str_literal(cg, n);
	case AST_POSITIONAL:
		/* resolved by sema to a constant of the command line */
		return cg_positional(cg, n);
	case AST_IDENT:
		if (!n->fn && n->type->kind == TY_RECORD && n->type->names)
			return args_record(cg, n, dst, dst_size);
		if (!n->fn)
			return ctx_read(cg, n);
		/* fall through */
	case AST_CALL:
		cg->dst = dst;
		cg->dst_size = dst_size;
		return n->fn->emit(cg, n, NULL);
	case AST_VAR:
		return var_read(cg, n);
	case AST_MAP:
		return map_read(cg, n);
	case AST_UNARY:
		switch (n->op) {
		case OP_NEG: return LLVMBuildNeg(cg->b, cg_expr(cg, n->lhs), "");
		case OP_BNOT: return cg_int_cast(cg, LLVMBuildNot(cg->b, cg_expr(cg, n->lhs), ""), n->type);
		case OP_LNOT:
			return zext(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, cg_expr(cg, n->lhs), cg_const(cg, 0), ""));
		case OP_DEREF:
		case OP_ADDR:
			return cg_member(cg, n, dst, dst_size);
		default: return incdec(cg, n);
		}
	case AST_BINARY:
		return binary(cg, n);
	case AST_TERNARY:
		return ternary(cg, n);
	case AST_FIELD:
		if (cg_is_member(n) && n->extra && n->lhs->type->kind != TY_PTR && !sema_in_memory(n))
			return local_field(cg, n);
		if (cg_is_member(n))
			return cg_member(cg, n, dst, dst_size);
		cg->dst = dst;
		cg->dst_size = dst_size;
		return ctx_read(cg, n);
	case AST_INDEX:
		return cg_member(cg, n, dst, dst_size);
	case AST_CAST: {
		if (n->type->kind == TY_BOOL)
			return zext(cg, LLVMBuildICmp(cg->b, LLVMIntNE, cg_expr(cg, n->lhs), cg_const(cg, 0), ""));
		const struct type *from = n->lhs->type, *to = n->type;
		LLVMValueRef v = cg_expr(cg, n->lhs);
		if (to->kind == TY_INT && from->kind == TY_INT && from->size < to->size) {
			/* bpftrace widens by the signedness of the type cast to:
			 * (int64)(uint32)-1 is -1, (uint16)(int8)-1 is 255 */
			struct type narrow = {.kind = TY_INT, .size = from->size, .is_signed = to->is_signed};
			v = cg_int_cast(cg, v, &narrow);
		}
		return cg_int_cast(cg, v, to);
	}
	case AST_TUPLE: {
		LLVMValueRef buf = cg_buffer(cg, n->type->size, "tuple");
		cg_expr_into(cg, n, buf, n->type);
		return buf;
	}
	case AST_TUPLE_INDEX: {
		LLVMValueRef p = cg_gep(cg, cg_expr(cg, n->lhs), n->lhs->type->offsets[n->ival]);
		const struct type *t = n->type;
		if (is_scalar(t))
			return cg_load_int(cg, p, t->kind == TY_BOOL ? 1 : t->size,
					   t->kind == TY_INT && t->is_signed);
		return p;
	}
	default:
		return cg_const(cg, 0);
	}
}

/* Whether n's instructions get its own debug location: the nodes that call
 * helpers or read memory, where a verifier complaint can point at the very
 * call or field rather than at the statement. */
static bool own_location(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_CALL:
	case AST_MAP:
	case AST_FIELD:
	case AST_INDEX:
		return true;
	case AST_IDENT:
		return n->fn != NULL;
	case AST_UNARY:
		return n->op == OP_DEREF;
	default:
		return false;
	}
}

LLVMValueRef cg_expr(struct codegen *cg, struct ast_node *n)
{
	if (!cg->di_scope || !own_location(n) || n->loc.line < 1)
		return expr_value(cg, n);
	LLVMMetadataRef outer = LLVMGetCurrentDebugLocation2(cg->b);
	struct src_loc outer_loc = cg->loc;	/* where failures are counted */
	cg_set_loc(cg, n->loc);
	LLVMValueRef v = expr_value(cg, n);
	LLVMSetCurrentDebugLocation2(cg->b, outer);
	cg->loc = outer_loc;
	return v;
}
