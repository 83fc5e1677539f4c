/* The abstract syntax tree: one node struct for every construct of the
 * language, allocated in an arena so the whole front end frees in one call.
 *
 * Every node carries its source location.  The parser fills the syntactic
 * fields; the semantic passes (ast/sema*.c) fill the annotations at the end
 * of struct ast_node (type, resolved map, resolved builtin, ...). */
#ifndef SONDE_AST_H
#define SONDE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/arena.h"

struct src_loc {
	int line, col;		/* 1-based, first character */
	int end_line, end_col;	/* 1-based, last character */
};

enum ast_kind {
	/* expressions */
	AST_INT,	 /* integer literal: ival */
	AST_STR,	 /* string literal: str (escapes decoded), str_len */
	AST_BOOL,	 /* true / false: ival */
	AST_IDENT,	 /* bare identifier: name (pid, comm, args, arg0, enum values) */
	AST_VAR,	 /* scratch variable: name without '$' */
	AST_MAP,	 /* @name or @ (name ""), keys (empty list: no subscript) */
	AST_POSITIONAL,	 /* $N: ival = N; $#: ival = -1 */
	AST_CALL,	 /* name(args) */
	AST_UNARY,	 /* op, lhs = operand */
	AST_BINARY,	 /* op, lhs, rhs */
	AST_TERNARY,	 /* cond ? lhs : rhs */
	AST_FIELD,	 /* lhs.name or lhs->name (arrow) */
	AST_INDEX,	 /* lhs[rhs] */
	AST_TUPLE_INDEX, /* lhs.N: ival = N */
	AST_TUPLE,	 /* (a, b, ...): list */
	AST_CAST,	 /* (typespec)lhs */
	AST_TYPE,	 /* a type used as an argument, e.g. sizeof(struct x): typespec */
	AST_RANGE,	 /* lhs..rhs in for ($i : lhs..rhs) */

	/* statements */
	AST_EXPR_STMT, /* lhs */
	AST_ASSIGN,    /* lhs op= rhs; op is OP_NONE for plain '=' */
	AST_LET,       /* let $name [: typespec] [= rhs] */
	AST_IF,	       /* if (cond) then [else otherwise]; otherwise is a block or an if */
	AST_WHILE,     /* while (cond) body */
	AST_FOR,       /* for ($name : rhs) body; rhs is a map or a range */
	AST_UNROLL,    /* unroll (cond) body */
	AST_BREAK,
	AST_CONTINUE,
	AST_RETURN, /* return [lhs] */
	AST_BLOCK,  /* { list } */

	/* top level */
	AST_PROBE,	  /* attach points in list, pred (may be NULL), body */
	AST_ATTACH_POINT, /* raw text as written, in str */
	AST_CONFIG,	  /* config = { list of AST_ASSIGN to AST_IDENT } */
	AST_MACRO,	  /* macro name(params in list) body */
	AST_MAP_DECL,	  /* let @name = rhs (a call such as hash(100)) */
	AST_C_DEFINITION, /* #include line or struct/union/enum definition: str */
	AST_IMPORT,	  /* import "str" */
	AST_PROGRAM,	  /* list of top-level items */
};

enum ast_op {
	OP_NONE,
	/* binary */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR,
	OP_LAND, OP_LOR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	/* unary */
	OP_NEG, OP_LNOT, OP_BNOT, OP_DEREF, OP_ADDR,
	OP_PRE_INC, OP_PRE_DEC, OP_POST_INC, OP_POST_DEC,
};

struct ast_node;

struct ast_list {
	struct ast_node **items;
	int len, cap;
};

/* A type as written in a cast, a let or sizeof: "uint32", "struct task_struct",
 * with pointer levels and an optional array length. */
struct ast_typespec {
	char *name;
	int ptr_depth;
	int array_len; /* -1: not an array */
};

struct type;
struct sema_map;
struct sema_var;
struct stdlib_fn;

struct ast_node {
	enum ast_kind kind;
	struct src_loc loc;

	/* syntax */
	enum ast_op op;
	bool arrow;	    /* AST_FIELD: '->' rather than '.' */
	uint64_t ival;	    /* AST_INT, AST_BOOL, AST_POSITIONAL, AST_TUPLE_INDEX */
	char *name;	    /* identifiers, variables, maps, calls, fields, macros, probes' nothing */
	char *str;	    /* AST_STR, AST_ATTACH_POINT, AST_C_DEFINITION, AST_IMPORT */
	size_t str_len;	    /* AST_STR: bytes without the terminating NUL */
	struct ast_node *lhs, *rhs;
	struct ast_node *cond, *then, *otherwise; /* AST_IF, AST_TERNARY (then/otherwise) */
	struct ast_node *pred, *body;		  /* AST_PROBE, loops, AST_MACRO */
	struct ast_list list; /* args, keys, tuple items, statements, attach points, params */
	struct ast_typespec typespec; /* AST_CAST, AST_TYPE, AST_LET (name NULL: none) */

	/* annotations filled by the semantic passes */
	struct type *type;
	struct sema_map *map;		/* AST_MAP */
	struct sema_var *var;		/* AST_VAR, AST_LET, AST_FOR */
	const struct stdlib_fn *fn;	/* AST_CALL and builtin AST_IDENT */
	void *extra;			/* pass-specific data (e.g. a resolved field) */
};

/* AST_FOR over a map (its extra, set by the semantic passes): the
 * variables of the enclosing probe its body uses, shared with the body's
 * callback through pointers. */
struct ast_for_captures {
	struct sema_var **vars;
	int n;
};

/* Constructors.  All memory comes from the arena. */
struct ast_node *ast_new(struct arena *a, enum ast_kind kind, struct src_loc loc);
void ast_list_push(struct arena *a, struct ast_list *l, struct ast_node *n);

const char *ast_kind_name(enum ast_kind kind);
const char *ast_op_str(enum ast_op op);

/* --dump=ast: a stable, indented text form of the tree. */
#include <stdio.h>
void ast_print(FILE *out, const struct ast_node *program);

/* Walk helper: calls fn on n and, if fn returns true, on each child in
 * source order. */
typedef bool (*ast_visit_fn)(struct ast_node *n, void *ctx);
void ast_walk(struct ast_node *n, ast_visit_fn fn, void *ctx);

#endif
