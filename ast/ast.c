/* AST constructors, names, and the generic walk. */
#include "ast/ast.h"

#include <string.h>

struct ast_node *ast_new(struct arena *a, enum ast_kind kind, struct src_loc loc)
{
	struct ast_node *n = arena_alloc(a, sizeof(*n));

	n->kind = kind;
	n->loc = loc;
	n->typespec.array_len = -1;
	return n;
}

void ast_list_push(struct arena *a, struct ast_list *l, struct ast_node *n)
{
	if (l->len == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		struct ast_node **items = arena_alloc(a, sizeof(*items) * (size_t)cap);

		if (l->len)
			memcpy(items, l->items, sizeof(*items) * (size_t)l->len);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->len++] = n;
}

const char *ast_kind_name(enum ast_kind kind)
{
	switch (kind) {
	case AST_INT: return "int";
	case AST_STR: return "string";
	case AST_BOOL: return "bool";
	case AST_IDENT: return "ident";
	case AST_VAR: return "var";
	case AST_MAP: return "map";
	case AST_POSITIONAL: return "positional";
	case AST_CALL: return "call";
	case AST_UNARY: return "unary";
	case AST_BINARY: return "binary";
	case AST_TERNARY: return "ternary";
	case AST_FIELD: return "field";
	case AST_INDEX: return "index";
	case AST_TUPLE_INDEX: return "tuple_index";
	case AST_TUPLE: return "tuple";
	case AST_CAST: return "cast";
	case AST_TYPE: return "type";
	case AST_RANGE: return "range";
	case AST_EXPR_STMT: return "expr";
	case AST_ASSIGN: return "assign";
	case AST_LET: return "let";
	case AST_IF: return "if";
	case AST_WHILE: return "while";
	case AST_FOR: return "for";
	case AST_UNROLL: return "unroll";
	case AST_BREAK: return "break";
	case AST_CONTINUE: return "continue";
	case AST_RETURN: return "return";
	case AST_BLOCK: return "block";
	case AST_PROBE: return "probe";
	case AST_ATTACH_POINT: return "attach";
	case AST_CONFIG: return "config";
	case AST_MACRO: return "macro";
	case AST_MAP_DECL: return "map_decl";
	case AST_C_DEFINITION: return "c_definition";
	case AST_IMPORT: return "import";
	case AST_PROGRAM: return "program";
	}
	return "?";
}

const char *ast_op_str(enum ast_op op)
{
	switch (op) {
	case OP_NONE: return "";
	case OP_ADD: return "+";
	case OP_SUB: return "-";
	case OP_MUL: return "*";
	case OP_DIV: return "/";
	case OP_MOD: return "%";
	case OP_BAND: return "&";
	case OP_BOR: return "|";
	case OP_BXOR: return "^";
	case OP_SHL: return "<<";
	case OP_SHR: return ">>";
	case OP_LAND: return "&&";
	case OP_LOR: return "||";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LT: return "<";
	case OP_LE: return "<=";
	case OP_GT: return ">";
	case OP_GE: return ">=";
	case OP_NEG: return "-";
	case OP_LNOT: return "!";
	case OP_BNOT: return "~";
	case OP_DEREF: return "*";
	case OP_ADDR: return "&";
	case OP_PRE_INC: return "++";
	case OP_PRE_DEC: return "--";
	case OP_POST_INC: return "++";
	case OP_POST_DEC: return "--";
	}
	return "?";
}

static void walk_list(struct ast_list *l, ast_visit_fn fn, void *ctx)
{
	for (int i = 0; i < l->len; i++)
		ast_walk(l->items[i], fn, ctx);
}

/* Children in source order.  Which fields hold children depends on the kind
 * (see ast.h); fields a kind does not use are NULL or empty. */
void ast_walk(struct ast_node *n, ast_visit_fn fn, void *ctx)
{
	if (!n || !fn(n, ctx))
		return;

	switch (n->kind) {
	case AST_IF:
	case AST_TERNARY:
		ast_walk(n->cond, fn, ctx);
		ast_walk(n->then, fn, ctx);
		ast_walk(n->otherwise, fn, ctx);
		return;
	case AST_WHILE:
	case AST_UNROLL:
		ast_walk(n->cond, fn, ctx);
		ast_walk(n->body, fn, ctx);
		return;
	case AST_PROBE:
		walk_list(&n->list, fn, ctx);
		ast_walk(n->pred, fn, ctx);
		ast_walk(n->body, fn, ctx);
		return;
	default:
		break;
	}
	/* The rest: lhs, list (args, keys, items, statements, params), rhs, body. */
	ast_walk(n->lhs, fn, ctx);
	walk_list(&n->list, fn, ctx);
	ast_walk(n->rhs, fn, ctx);
	ast_walk(n->body, fn, ctx);
}
