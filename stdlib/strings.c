/* Strings and bytes: str() reads a NUL-terminated string from kernel or
 * user memory; strlen, strncmp, strstr, strcontains scan strings with
 * bounded loops; buf() copies raw bytes; path() names a struct path. */
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

static struct type *str_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	uint32_t size = sema_program(s)->strlen;
	if (n->list.len == 2) {
		int64_t len;
		if (!sema_const_int(s, n->list.items[1], &len) || len < 1 || len > 1024) {
			sema_error(s, n->list.items[1]->loc,
				   "str(): the length must be an integer constant from 1 to 1024");
			return type_error(a);
		}
		/* bpftrace reads at most len bytes, the NUL included */
		size = (uint32_t)len;
	}
	if (t->kind == TY_STRING)
		return type_string(a, t->size < size ? t->size : size);
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		sema_error(s, n->list.items[0]->loc, "str() needs a pointer or an address, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	return type_string(a, size);
}

static LLVMValueRef str_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	uint32_t size = n->type->size;
	LLVMValueRef dst = cg->dst && cg->dst_size >= size ? cg->dst : NULL;
	cg->dst = NULL;
	struct ast_node *arg = n->list.items[0];
	if (arg->type->kind == TY_STRING) {
		LLVMValueRef buf = dst ? dst : cg_buffer(cg, size, "str");
		cg_expr_into(cg, arg, buf, n->type);
		return buf;
	}
	LLVMValueRef p = cg_expr(cg, arg);
	LLVMValueRef buf = dst ? dst : cg_buffer(cg, size, "str");
	if (dst)
		cg_memset(cg, buf, 0, size);
	int helper = BPF_FUNC_probe_read_str;
	if (arg->type->kind == TY_PTR)
		helper = arg->type->user_ptr ? BPF_FUNC_probe_read_user_str
					     : BPF_FUNC_probe_read_kernel_str;
	LLVMValueRef args[] = {buf, LLVMConstInt(cg->i32, size, 0),
			       LLVMBuildIntToPtr(cg->b, p, cg->ptr, "p")};
	cg_helper(cg, helper, cg->i64, args, 3);
	return buf;
}

const struct stdlib_fn sl_str = {
	.name = "str", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = str_check, .emit = str_emit,
};

/* ------------------------------------------- helpers for the scanners */

static bool string_arg(struct sema *s, struct ast_node *call, int i)
{
	struct type *t = sema_check_expr(s, call->list.items[i]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return false;
	if (t->kind != TY_STRING) {
		sema_error(s, call->list.items[i]->loc,
			   "%s() needs a string, not %s (read one from a pointer with str())",
			   call->name, type_name(sema_arena(s), t));
		return false;
	}
	return true;
}

/* The byte at p + i (i an i64) as an i64; i must be bounded by the caller. */
static LLVMValueRef byte_at(struct codegen *cg, LLVMValueRef p, LLVMValueRef i)
{
	LLVMValueRef at = LLVMBuildGEP2(cg->b, cg->i8, p, &i, 1, "");
	return LLVMBuildZExt(cg->b, LLVMBuildLoad2(cg->b, cg->i8, at, ""), cg->i64, "");
}

static LLVMValueRef is_zero(struct codegen *cg, LLVMValueRef v)
{
	return LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_const(cg, 0), "");
}

/* A result variable initialised to v. */
static LLVMValueRef result(struct codegen *cg, uint64_t v)
{
	LLVMValueRef r = cg_alloca(cg, cg->i64, "res");
	LLVMBuildStore(cg->b, cg_const(cg, v), r);
	return r;
}

/* ---------------------------------------------------------------- strlen */

static struct type *strlen_check(struct sema *s, struct ast_node *n)
{
	if (!string_arg(s, n, 0))
		return type_error(sema_arena(s));
	return type_int(sema_arena(s), 8, false);
}

static LLVMValueRef strlen_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *a = n->list.items[0];
	uint32_t size = a->type->size;
	LLVMValueRef p = cg_expr(cg, a);
	LLVMValueRef res = result(cg, size);
	struct cg_for f;
	cg_for_begin(cg, &f, size);
	LLVMValueRef i = cg_for_index(cg, &f);
	LLVMValueRef nul = is_zero(cg, byte_at(cg, p, i));
	cg_if(cg, nul);
	LLVMBuildStore(cg->b, i, res);
	cg_end_if(cg);
	cg_for_break_if(cg, &f, nul);
	cg_for_end(cg, &f);
	return LLVMBuildLoad2(cg->b, cg->i64, res, "strlen");
}

const struct stdlib_fn sl_strlen = {
	.name = "strlen", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = strlen_check, .emit = strlen_emit,
};

/* --------------------------------------------------------------- strncmp */

static struct type *strncmp_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	bool ok = string_arg(s, n, 0);
	ok &= string_arg(s, n, 1);
	int64_t k;
	if (!sema_const_int(s, n->list.items[2], &k) || k < 0) {
		struct type *t = sema_check_expr(s, n->list.items[2]);
		if (!t || t->kind == TY_ERROR)
			return type_error(a);
		sema_error(s, n->list.items[2]->loc,
			   "strncmp(): the length must be a non-negative integer constant");
		return type_error(a);
	}
	if (!ok)
		return type_error(a);
	n->ival = (uint64_t)k;
	return type_int(a, 8, false);
}

/* 0 when the strings agree up to n characters or up to their NUL, else 1. */
static LLVMValueRef strncmp_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *x = n->list.items[0], *y = n->list.items[1];
	uint32_t xs = x->type->size, ys = y->type->size;
	uint32_t m = xs < ys ? xs : ys;
	uint64_t len = n->ival;
	LLVMValueRef a = cg_expr(cg, x), b = cg_expr(cg, y);
	LLVMValueRef res = result(cg, 0);
	LLVMValueRef done = result(cg, 0);
	uint64_t k = len < m ? len : m;
	struct cg_for f;
	cg_for_begin(cg, &f, k);
	LLVMValueRef i = cg_for_index(cg, &f);
	LLVMValueRef ca = byte_at(cg, a, i), cb = byte_at(cg, b, i);
	LLVMValueRef differ = LLVMBuildICmp(cg->b, LLVMIntNE, ca, cb, "");
	cg_if(cg, differ);
	LLVMBuildStore(cg->b, cg_const(cg, 1), res);
	cg_end_if(cg);
	LLVMValueRef stop = LLVMBuildOr(cg->b, differ, is_zero(cg, ca), "");
	cg_if(cg, stop);
	LLVMBuildStore(cg->b, cg_const(cg, 1), done);
	cg_end_if(cg);
	cg_for_break_if(cg, &f, stop);
	cg_for_end(cg, &f);
	if (len > m && xs != ys) {
		/* past the shorter string (its end is a NUL): the longer one
		 * must end there too */
		LLVMValueRef longer = xs > ys ? a : b;
		LLVMValueRef c = cg_load_int(cg, cg_gep(cg, longer, m), 1, false);
		LLVMValueRef open = LLVMBuildICmp(cg->b, LLVMIntEQ,
						  LLVMBuildLoad2(cg->b, cg->i64, done, ""), cg_const(cg, 0), "");
		cg_if(cg, LLVMBuildAnd(cg->b, open, LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_const(cg, 0), ""), ""));
		LLVMBuildStore(cg->b, cg_const(cg, 1), res);
		cg_end_if(cg);
	}
	return LLVMBuildLoad2(cg->b, cg->i64, res, "strncmp");
}

const struct stdlib_fn sl_strncmp = {
	.name = "strncmp", .kind = SL_FUNC, .min_args = 3, .max_args = 3,
	.check = strncmp_check, .emit = strncmp_emit,
};

/* ---------------------------------------------------- strstr, strcontains */

static struct type *strstr_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	bool ok = string_arg(s, n, 0);
	ok &= string_arg(s, n, 1);
	if (!ok)
		return type_error(a);
	return type_int(a, 8, n->fn == &sl_strstr);
}

/* Whether needle (NUL-terminated within nsize) starts at h + i, where
 * i < hsize; reads stay inside both buffers. */
static LLVMValueRef match_at(struct codegen *cg, LLVMValueRef h, uint32_t hsize, LLVMValueRef i,
			     struct ast_node *needle, LLVMValueRef nd, uint32_t nsize)
{
	LLVMValueRef ok = result(cg, 1);
	if (needle->kind == AST_STR) {
		/* a literal: its bytes, unrolled */
		for (size_t j = 0; j < needle->str_len; j++) {
			LLVMValueRef at = LLVMBuildAdd(cg->b, i, cg_const(cg, j), "");
			LLVMValueRef inside = LLVMBuildICmp(cg->b, LLVMIntULT, at, cg_const(cg, hsize), "");
			cg_if(cg, inside);
			LLVMValueRef c = byte_at(cg, h, at);
			cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, c,
						 cg_const(cg, (uint8_t)needle->str[j]), ""));
			LLVMBuildStore(cg->b, cg_const(cg, 0), ok);
			cg_end_if(cg);
			cg_else(cg);
			LLVMBuildStore(cg->b, cg_const(cg, 0), ok);
			cg_end_if(cg);
		}
		return LLVMBuildLoad2(cg->b, cg->i64, ok, "");
	}
	struct cg_for g;
	cg_for_begin(cg, &g, nsize);
	LLVMValueRef j = cg_for_index(cg, &g);
	LLVMValueRef cn = byte_at(cg, nd, j);
	cg_for_break_if(cg, &g, is_zero(cg, cn));
	LLVMValueRef at = LLVMBuildAdd(cg->b, i, j, "");
	LLVMValueRef outside = LLVMBuildICmp(cg->b, LLVMIntUGE, at, cg_const(cg, hsize), "");
	cg_if(cg, outside);
	LLVMBuildStore(cg->b, cg_const(cg, 0), ok);
	cg_else(cg);
	LLVMValueRef ch = byte_at(cg, h, at);
	cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntNE, ch, cn, ""));
	LLVMBuildStore(cg->b, cg_const(cg, 0), ok);
	cg_end_if(cg);
	cg_end_if(cg);
	cg_for_break_if(cg, &g, is_zero(cg, LLVMBuildLoad2(cg->b, cg->i64, ok, "")));
	cg_for_end(cg, &g);
	return LLVMBuildLoad2(cg->b, cg->i64, ok, "");
}

/* strstr: the index of needle in haystack, or -1; strcontains: 1 or 0. */
static LLVMValueRef strstr_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	bool index = n->fn == &sl_strstr;
	struct ast_node *hay = n->list.items[0], *needle = n->list.items[1];
	uint32_t hsize = hay->type->size, nsize = needle->type->size;
	LLVMValueRef h = cg_expr(cg, hay);
	LLVMValueRef nd = needle->kind == AST_STR ? NULL : cg_expr(cg, needle);
	LLVMValueRef res = result(cg, index ? (uint64_t)-1 : 0);
	/* an empty needle is found at 0 */
	LLVMValueRef empty = needle->kind == AST_STR
				     ? LLVMConstInt(cg->i1, needle->str_len == 0, 0)
				     : is_zero(cg, byte_at(cg, nd, cg_const(cg, 0)));
	cg_if(cg, empty);
	LLVMBuildStore(cg->b, cg_const(cg, index ? 0 : 1), res);
	cg_else(cg);
	struct cg_for f;
	cg_for_begin(cg, &f, hsize);
	LLVMValueRef i = cg_for_index(cg, &f);
	cg_for_break_if(cg, &f, is_zero(cg, byte_at(cg, h, i)));
	LLVMValueRef found = LLVMBuildICmp(cg->b, LLVMIntNE,
					   match_at(cg, h, hsize, i, needle, nd, nsize), cg_const(cg, 0), "");
	cg_if(cg, found);
	LLVMBuildStore(cg->b, index ? i : cg_const(cg, 1), res);
	cg_end_if(cg);
	cg_for_break_if(cg, &f, found);
	cg_for_end(cg, &f);
	cg_end_if(cg);
	return LLVMBuildLoad2(cg->b, cg->i64, res, index ? "strstr" : "strcontains");
}

const struct stdlib_fn sl_strstr = {
	.name = "strstr", .kind = SL_FUNC, .min_args = 2, .max_args = 2,
	.check = strstr_check, .emit = strstr_emit,
};
const struct stdlib_fn sl_strcontains = {
	.name = "strcontains", .kind = SL_FUNC, .min_args = 2, .max_args = 2,
	.check = strstr_check, .emit = strstr_emit,
};

/* ------------------------------------------------------------------- buf */

static struct type *buf_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *arg = n->list.items[0];
	struct type *t = sema_check_expr(s, arg);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	uint32_t max = sema_program(s)->strlen;
	bool value = t->kind == TY_STRING || t->kind == TY_ARRAY;
	if (!value && t->kind != TY_PTR && t->kind != TY_INT) {
		sema_error(s, arg->loc, "buf() needs a pointer, an address or an array, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	uint32_t cap;
	int64_t len;
	n->ival = 0;	/* constant length, or 0: computed */
	if (n->list.len == 1) {
		if (!value) {
			sema_error(s, n->loc, "buf() of a pointer needs a length: buf(ptr, length)");
			return type_error(a);
		}
		cap = t->size;
		n->ival = cap;
	} else if (sema_const_int(s, n->list.items[1], &len)) {
		if (len < 1 || (uint64_t)len > (value ? t->size : max)) {
			sema_error(s, n->list.items[1]->loc, "buf(): the length must be from 1 to %u",
				   value ? t->size : max);
			return type_error(a);
		}
		cap = (uint32_t)len;
		n->ival = cap;
	} else {
		struct type *lt = sema_check_expr(s, n->list.items[1]);
		if (!lt || lt->kind == TY_ERROR || lt->kind == TY_NONE)
			return type_error(a);
		if (lt->kind != TY_INT || value) {
			sema_error(s, n->list.items[1]->loc,
				   value ? "buf() of an array takes a constant length"
					 : "buf(): the length must be an integer");
			return type_error(a);
		}
		cap = max;	/* read at most the configured string length */
	}
	return type_special(a, SP_BUF, 8 + cap);
}

static LLVMValueRef buf_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	uint32_t size = n->type->size, cap = size - 8;
	LLVMValueRef out = cg->dst && cg->dst_size >= size ? cg->dst : cg_buffer(cg, size, "buf");
	cg->dst = NULL;
	struct ast_node *arg = n->list.items[0];
	const struct type *t = arg->type;
	LLVMValueRef data = cg_gep(cg, out, 8);
	if (t->kind == TY_STRING || t->kind == TY_ARRAY) {
		LLVMValueRef v = cg_expr(cg, arg);
		cg_memcpy(cg, data, v, cap);
		cg_store_int(cg, cg_const(cg, cap), out, 8);
		return out;
	}
	LLVMValueRef p = cg_expr(cg, arg);
	bool user = t->kind == TY_PTR && t->user_ptr;
	if (n->ival) {
		cg_probe_read(cg, data, cap, p, user);
		cg_store_int(cg, cg_const(cg, cap), out, 8);
		return out;
	}
	/* a length known at run time: at most cap bytes */
	LLVMValueRef len = cg_expr(cg, n->list.items[1]);
	LLVMValueRef lim = cg_alloca(cg, cg->i64, "len");
	LLVMBuildStore(cg->b, len, lim);
	cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntUGT, len, cg_const(cg, cap), ""));
	LLVMBuildStore(cg->b, cg_const(cg, cap), lim);
	cg_end_if(cg);
	LLVMValueRef l = LLVMBuildLoad2(cg->b, cg->i64, lim, "");
	LLVMValueRef args[] = {data, LLVMBuildTrunc(cg->b, l, cg->i32, ""),
			       LLVMBuildIntToPtr(cg->b, p, cg->ptr, "")};
	cg_helper(cg, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, cg->i64, args, 3);
	cg_store_int(cg, l, out, 8);
	return out;
}

const struct stdlib_fn sl_buf = {
	.name = "buf", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = buf_check, .emit = buf_emit,
};

/* ------------------------------------------------------------------ path */

/* path(struct path *p [, size]): bpf_d_path, which the kernel allows only
 * in tracing programs of some functions (fentry/fexit here). */
static struct type *path_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct sema_prog *p = sema_current_prog(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (!p || (strcmp(p->provider->name, "fentry") && strcmp(p->provider->name, "fexit"))) {
		sema_error(s, n->loc, "path() works only in fentry and fexit probes (the kernel's bpf_d_path), not in %s probes",
			   p ? p->provider->name : "these");
		return type_error(a);
	}
	bool is_path = t->kind == TY_PTR && t->elem && t->elem->kind == TY_RECORD && t->elem->name &&
		       !strcmp(t->elem->name, "struct path");
	if (!is_path && t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc, "path() needs a struct path *, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	uint32_t size = sema_program(s)->strlen;
	if (n->list.len == 2) {
		int64_t k;
		if (!sema_const_int(s, n->list.items[1], &k) || k < 1 || k > 1024) {
			sema_error(s, n->list.items[1]->loc,
				   "path(): the size must be an integer constant from 1 to 1024");
			return type_error(a);
		}
		size = (uint32_t)k;
	}
	return type_string(a, size);
}

static LLVMValueRef path_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	uint32_t size = n->type->size;
	LLVMValueRef buf = cg->dst && cg->dst_size >= size ? cg->dst : cg_buffer(cg, size, "path");
	if (buf == cg->dst)
		cg_memset(cg, buf, 0, size);
	cg->dst = NULL;
	LLVMValueRef p = cg_expr(cg, n->list.items[0]);
	LLVMValueRef args[] = {LLVMBuildIntToPtr(cg->b, p, cg->ptr, ""), buf,
			       LLVMConstInt(cg->i32, size, 0)};
	cg_helper(cg, BPF_FUNC_d_path, cg->i64, args, 3);
	return buf;
}

const struct stdlib_fn sl_path = {
	.name = "path", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = path_check, .emit = path_emit,
};
