/* Network addresses: ntop() keeps an address family and 16 bytes, printed
 * as an IPv4 or IPv6 address; pton() turns a literal into the bytes when
 * compiling; macaddr() keeps 6 bytes, printed as 00:1A:2B:3C:4D:5E. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "codegen/codegen.h"
#include "stdlib/entries.h"

#define INET_SIZE 24	/* uint64 family, 16 address bytes */

static bool bad(const struct type *t)
{
	return !t || t->kind == TY_ERROR || t->kind == TY_NONE;
}

/* Bytes of an array value: char[N] (a string type) or uint8[N]. */
static bool byte_array(const struct type *t, uint32_t *n)
{
	if (t->kind == TY_STRING) {
		*n = t->size;
		return true;
	}
	if (t->kind == TY_ARRAY && t->elem && t->elem->kind == TY_INT && t->elem->size == 1) {
		*n = t->count;
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------- ntop */

static struct type *ntop_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *addr = n->list.items[n->list.len - 1];
	if (n->list.len == 2) {
		struct type *af = sema_check_expr(s, n->list.items[0]);
		if (bad(af))
			return type_error(a);
		if (af->kind != TY_INT) {
			sema_error(s, n->list.items[0]->loc, "ntop(): the address family must be an integer (AF_INET 2, AF_INET6 10), not %s",
				   type_name(a, af));
			return type_error(a);
		}
	}
	struct type *t = sema_check_expr(s, addr);
	if (bad(t))
		return type_error(a);
	uint32_t len;
	if (t->kind == TY_INT || (byte_array(t, &len) && (len == 4 || len == 16)))
		return type_special(a, SP_INET, INET_SIZE);
	sema_error(s, addr->loc, "ntop() needs an integer (IPv4), char[4] or char[16] (IPv6), not %s",
		   type_name(a, t));
	return type_error(a);
}

static LLVMValueRef ntop_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= INET_SIZE ? cg->dst : cg_buffer(cg, INET_SIZE, "inet");
	if (buf == cg->dst)
		cg_memset(cg, buf, 0, INET_SIZE);
	cg->dst = NULL;
	struct ast_node *addr = n->list.items[n->list.len - 1];
	const struct type *t = addr->type;
	uint32_t len = 4;
	if (t->kind == TY_INT) {
		/* the integer's bytes as they lie in memory: network order */
		cg_store_int(cg, cg_expr(cg, addr), cg_gep(cg, buf, 8), 4);
	} else {
		byte_array(t, &len);
		cg_memcpy(cg, cg_gep(cg, buf, 8), cg_expr(cg, addr), len);
	}
	LLVMValueRef af = n->list.len == 2 ? cg_expr(cg, n->list.items[0])
					   : cg_const(cg, len == 16 ? AF_INET6 : AF_INET);
	cg_store_int(cg, af, buf, 8);
	return buf;
}

const struct stdlib_fn sl_ntop = {
	.name = "ntop", .kind = SL_FUNC, .min_args = 1, .max_args = 2,
	.check = ntop_check, .emit = ntop_emit,
};

/* ------------------------------------------------------------------- pton */

struct pton_value {
	uint8_t bytes[16];
	uint32_t len;
};

static struct type *pton_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct ast_node *lit = n->list.items[0];
	if (lit->kind != AST_STR) {
		sema_check_expr(s, lit);
		sema_error(s, lit->loc, "pton() needs an address as a string literal");
		return type_error(a);
	}
	struct pton_value *v = n->extra ? n->extra : arena_alloc(a, sizeof(*v));
	bool v6 = strchr(lit->str, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, lit->str, v->bytes) != 1) {
		sema_error(s, lit->loc, "pton(): '%s' is not an IPv%d address", lit->str, v6 ? 6 : 4);
		return type_error(a);
	}
	v->len = v6 ? 16 : 4;
	n->extra = v;
	struct type *t = type_new(a, TY_ARRAY);
	t->elem = type_int(a, 1, false);
	t->count = v->len;
	t->size = v->len;
	t->align = 1;
	return t;
}

static LLVMValueRef pton_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	const struct pton_value *v = n->extra;
	LLVMValueRef buf = cg_buffer(cg, v->len, "pton");
	for (uint32_t i = 0; i < v->len; i += 4) {
		uint32_t w;
		memcpy(&w, v->bytes + i, 4);
		LLVMValueRef st = LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, w, 0), cg_gep(cg, buf, i));
		LLVMSetAlignment(st, 4);
	}
	return buf;
}

const struct stdlib_fn sl_pton = {
	.name = "pton", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = pton_check, .emit = pton_emit,
};

/* ---------------------------------------------------------------- macaddr */

static struct type *macaddr_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (bad(t))
		return type_error(a);
	uint32_t len;
	if (byte_array(t, &len) ? len < 6 : t->kind != TY_PTR && t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc,
			   "macaddr() needs 6 bytes: an array of at least 6 bytes or a pointer, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	return type_special(a, SP_MACADDR, 8);
}

static LLVMValueRef macaddr_emit(struct codegen *cg, struct ast_node *n, struct ast_node *target)
{
	LLVMValueRef buf = cg->dst && cg->dst_size >= 8 ? cg->dst : cg_buffer(cg, 8, "mac");
	if (buf == cg->dst)
		cg_memset(cg, buf, 0, 8);
	cg->dst = NULL;
	struct ast_node *arg = n->list.items[0];
	const struct type *t = arg->type;
	uint32_t len;
	if (byte_array(t, &len)) {
		cg_memcpy(cg, buf, cg_expr(cg, arg), 6);
		return buf;
	}
	cg_probe_read(cg, buf, 6, cg_expr(cg, arg), t->kind == TY_PTR && t->user_ptr);
	return buf;
}

const struct stdlib_fn sl_macaddr = {
	.name = "macaddr", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = macaddr_check, .emit = macaddr_emit,
};
