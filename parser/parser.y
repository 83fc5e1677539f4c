/* The grammar of the tracing language (bpftrace's), building the AST of
 * ast/ast.h.  A pure parser with locations; the reentrant scanner in
 * lexer/lexer.l feeds it.
 *
 * Probe headers are lexed by the scanner as whole words (ATTACH_POINT), so
 * the grammar only sees "ATTACH_POINT, ATTACH_POINT [/pred/] { ... }".
 *
 * Errors: every syntax error is reported (yyreport_syntax_error below turns
 * bison's token names back into what the user wrote) and the parser recovers
 * at statement boundaries (';' and '}') and at top-level items (the next
 * block, ';' or '}'), so independent mistakes each get a diagnostic. */

%define api.pure full
%locations
%define parse.error custom
%define parse.lac full
%expect 0

%parse-param {struct parse_ctx *ctx} {yyscan_t scanner}
%lex-param {yyscan_t scanner}

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/arena.h"
#include "ast/ast.h"
#include "ast/diag.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* Shared by the scanner and the parser for one parse_program() call.
 * Offsets are byte offsets into src. */
struct parse_ctx {
	struct arena *arena;
	struct diags *diags;
	const char *src;
	size_t len;
	size_t *lines;		/* offset of the start of each line */
	int nlines;
	int errors_at_start;
	bool stop;		/* too many errors: the scanner says EOF */
	bool skipping;		/* skipping the rest of a broken statement */

	/* scanner state */
	size_t offset;		/* where the scanner is */
	size_t tok_start;	/* start of the current rule's match */
	size_t special_start;	/* start of a comment or C definition */
	size_t last_start, last_end; /* the token last returned */
	size_t invalid_end;	/* end of the last invalid character run */
	size_t lex_error_end;	/* end of the text the last scanner error named */
	bool lex_error_seen;
	int last_token;
	int depth;		/* brace depth in code */
	size_t open_braces[32];	/* where the innermost open braces are */
	bool stray_brace;	/* the last token was a '}' closing nothing */
	int cdef_depth;
	int comment_return;	/* start condition to resume after a comment */
	bool after_dot;		/* the previous token was '.' or '->' */

	struct ast_node *program;
};
}

%code provides {
int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner);

/* parse.c: locations and errors for the scanner and the grammar. */
void parse_locate(const struct parse_ctx *ctx, size_t start, size_t end, YYLTYPE *out);
void parse_locate_eof(const struct parse_ctx *ctx, YYLTYPE *out);
struct src_loc parse_src_loc(const YYLTYPE *l);
void parse_error(struct parse_ctx *ctx, const YYLTYPE *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
}

%code {
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void yyerror(YYLTYPE *loc, struct parse_ctx *ctx, yyscan_t scanner, const char *msg);

/* -N with N past 2^63 fits no integer type: it would wrap silently. */
static void check_negative(struct parse_ctx *ctx, const struct ast_node *lit, const YYLTYPE *l)
{
	if (lit && lit->kind == AST_INT && lit->ival > (uint64_t)INT64_MAX + 1)
		parse_error(ctx, l, "integer literal -%llu is out of range: the smallest is %lld",
			    (unsigned long long)lit->ival, (long long)INT64_MIN);
}

static struct ast_node *mk(struct parse_ctx *ctx, enum ast_kind kind, const YYLTYPE *l)
{
	return ast_new(ctx->arena, kind, parse_src_loc(l));
}

static struct ast_node *mk_unary(struct parse_ctx *ctx, enum ast_op op,
				 struct ast_node *e, const YYLTYPE *l)
{
	struct ast_node *n = mk(ctx, AST_UNARY, l);

	n->op = op;
	n->lhs = e;
	return n;
}

static struct ast_node *mk_binary(struct parse_ctx *ctx, enum ast_op op, struct ast_node *a,
				  struct ast_node *b, const YYLTYPE *l)
{
	struct ast_node *n = mk(ctx, AST_BINARY, l);

	n->op = op;
	n->lhs = a;
	n->rhs = b;
	return n;
}

static struct ast_node *mk_block(struct parse_ctx *ctx, struct ast_list stmts, const YYLTYPE *l)
{
	struct ast_node *n = mk(ctx, AST_BLOCK, l);

	n->list = stmts;
	return n;
}

static struct ast_node *mk_assign(struct parse_ctx *ctx, enum ast_op op, struct ast_node *lhs,
				  struct ast_node *rhs, const YYLTYPE *l, const YYLTYPE *lhs_loc)
{
	struct ast_node *n = mk(ctx, AST_ASSIGN, l);

	/* `_ = expr` discards a value, as in bpftrace. */
	if (lhs && lhs->kind != AST_MAP && lhs->kind != AST_VAR &&
	    !(op == OP_NONE && lhs->kind == AST_IDENT && strcmp(lhs->name, "_") == 0)) {
		parse_error(ctx, lhs_loc, "cannot assign to this expression");
		diag_hint(ctx->diags, "only maps (@name, @name[key]) and variables ($name) can be assigned");
	}
	n->op = op;
	n->lhs = lhs;
	n->rhs = rhs;
	return n;
}

static struct ast_list list_of(struct parse_ctx *ctx, struct ast_node *n)
{
	struct ast_list l = { 0 };

	if (n)
		ast_list_push(ctx->arena, &l, n);
	return l;
}
}

%union {
	struct ast_node *node;
	struct ast_list list;
	struct ast_typespec ts;
	char *text;
	struct { char *s; size_t len; } str;
	uint64_t num;
	enum ast_op op;
}

%token <text> ATTACH_POINT "attach point"
%token <text> C_DEFINITION "C definition"
%token <text> IDENT "identifier"
%token <text> VAR "variable"
%token <text> MAP "map"
%token <text> TYPE_NAME "type name"
%token <num> POSITIONAL "positional parameter"
%token <num> INT "integer"
%token <str> STRING "string"
%token <op> COMPOUND_ASSIGN "compound assignment"
%token PRED_BEGIN "predicate"
%token ENDPRED "end of predicate"
%token IF "if" ELSE "else" WHILE "while" FOR "for" UNROLL "unroll"
%token BREAK "break" CONTINUE "continue" RETURN "return" LET "let"
%token CONFIG "config" MACRO "macro" IMPORT "import"
%token STRUCT "struct" UNION "union" ENUM "enum" TRUE "true" FALSE "false"
%token EQ "==" NE "!=" LE "<=" GE ">=" SHL "<<" SHR ">>" LAND "&&" LOR "||"
%token INC "++" DEC "--" ARROW "->" DOTDOT ".."

%type <node> item probe config config_item macro macro_param map_decl import
%type <node> pred block simple_stmt compound_stmt if_stmt
%type <node> expr primary map call arg
%type <list> items attach_points config_seq config_items macro_params macro_param_list
%type <list> stmt_seq stmts expr_list arg_list
%type <ts> type base_type
%type <num> pointers

%precedence MAP_ALONE
%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY
%precedence INC DEC '.' ARROW '['

%start program

%%

program
	: items
		{
			ctx->program = mk(ctx, AST_PROGRAM, &@$);
			ctx->program->list = $1;
		}
	;

items
	: %empty		{ $$ = (struct ast_list){ 0 }; }
	| items item		{ $$ = $1; if ($2) ast_list_push(ctx->arena, &$$, $2); }
	;

item
	: probe
	| config
	| macro
	| map_decl
	| import
	| C_DEFINITION
		{
			$$ = mk(ctx, AST_C_DEFINITION, &@$);
			$$->str = $1;
			$$->str_len = strlen($1);
		}
	| error block		{ $$ = NULL; yyerrok; }
	| error ';'		{ $$ = NULL; yyerrok; }
	| error '}'		{ $$ = NULL; yyerrok; }
	;

/* --- probes ----------------------------------------------------------- */

probe
	: attach_points pred block
		{
			$$ = mk(ctx, AST_PROBE, &@$);
			$$->list = $1;
			$$->pred = $2;
			$$->body = $3;
		}
	;

attach_points
	: ATTACH_POINT
		{
			struct ast_node *ap = mk(ctx, AST_ATTACH_POINT, &@1);

			ap->str = $1;
			ap->str_len = strlen($1);
			$$ = list_of(ctx, ap);
		}
	| attach_points ',' ATTACH_POINT
		{
			struct ast_node *ap = mk(ctx, AST_ATTACH_POINT, &@3);

			ap->str = $3;
			ap->str_len = strlen($3);
			$$ = $1;
			ast_list_push(ctx->arena, &$$, ap);
		}
	;

pred
	: %empty			{ $$ = NULL; }
	| PRED_BEGIN expr ENDPRED	{ $$ = $2; }
	;

/* --- other top-level items --------------------------------------------- */

config
	: CONFIG '=' '{' config_items '}'
		{
			$$ = mk(ctx, AST_CONFIG, &@$);
			$$->list = $4;
		}
	| CONFIG error '{' balanced '}'
		{
			yyerrok;
			$$ = NULL;
		}
	| CONFIG '=' '{' config_seq error '}'
		{
			yyerrok;
			$$ = mk(ctx, AST_CONFIG, &@$);
			$$->list = $4;
		}
	;

config_items
	: config_seq
	| config_seq config_item	{ $$ = $1; ast_list_push(ctx->arena, &$$, $2); }
	;

config_seq
	: %empty			{ $$ = (struct ast_list){ 0 }; }
	| config_seq config_item ';'	{ $$ = $1; ast_list_push(ctx->arena, &$$, $2); }
	| config_seq ';'		{ $$ = $1; }
	| config_seq error ';'		{ $$ = $1; yyerrok; }
	;

config_item
	: IDENT '=' expr
		{
			struct ast_node *key = mk(ctx, AST_IDENT, &@1);

			key->name = $1;
			$$ = mk(ctx, AST_ASSIGN, &@$);
			$$->op = OP_NONE;
			$$->lhs = key;
			$$->rhs = $3;
		}
	;

macro
	: MACRO IDENT '(' macro_params ')' block
		{
			$$ = mk(ctx, AST_MACRO, &@$);
			$$->name = $2;
			$$->list = $4;
			$$->body = $6;
		}
	;

macro_params
	: %empty		{ $$ = (struct ast_list){ 0 }; }
	| macro_param_list
	;

macro_param_list
	: macro_param				{ $$ = list_of(ctx, $1); }
	| macro_param_list ',' macro_param	{ $$ = $1; ast_list_push(ctx->arena, &$$, $3); }
	;

macro_param
	: VAR		{ $$ = mk(ctx, AST_VAR, &@$); $$->name = $1; }
	| MAP		{ $$ = mk(ctx, AST_MAP, &@$); $$->name = $1; }
	| IDENT		{ $$ = mk(ctx, AST_IDENT, &@$); $$->name = $1; }
	;

map_decl
	: LET MAP '=' expr ';'
		{
			$$ = mk(ctx, AST_MAP_DECL, &@$);
			$$->name = $2;
			$$->rhs = $4;
		}
	;

import
	: IMPORT STRING ';'
		{
			$$ = mk(ctx, AST_IMPORT, &@$);
			$$->str = $2.s;
			$$->str_len = $2.len;
		}
	;

/* --- statements ---------------------------------------------------------- */

block
	: '{' stmts '}'			{ $$ = mk_block(ctx, $2, &@$); }
	| '{' stmt_seq error skipping skip '}'
		{
			$$ = mk_block(ctx, $2, &@$);
			ctx->skipping = false;
			yyerrok;
		}
	;

/* Error recovery in a block skips the rest of the broken statement: up to
 * its ';', up to the '}' closing the block, or over the first brace group
 * (with any "else { }" after it), so "if ($x == ) { ... } else { ... }"
 * resumes after the whole if.  Braces are matched on the way. */
skipping
	: %empty		{ ctx->skipping = true; }
	;

skip
	: %empty
	| skip skip_token
	;

braces
	: '{' balanced '}'
	| braces ELSE skip '{' balanced '}'
	;

balanced
	: %empty
	| balanced skip_token
	| balanced ';'
	| balanced '{' balanced '}'
	;

skip_token
	: ATTACH_POINT | C_DEFINITION | IDENT | VAR | MAP | TYPE_NAME | POSITIONAL | INT
	| STRING | COMPOUND_ASSIGN | PRED_BEGIN | ENDPRED | IF | ELSE | WHILE | FOR | UNROLL
	| BREAK | CONTINUE | RETURN | LET | CONFIG | MACRO | IMPORT | STRUCT | UNION | ENUM
	| TRUE | FALSE | EQ | NE | LE | GE | SHL | SHR | LAND | LOR | INC | DEC | ARROW
	| DOTDOT | '(' | ')' | '[' | ']' | ',' | '.' | ':' | '?' | '=' | '+' | '-' | '*'
	| '/' | '%' | '&' | '|' | '^' | '!' | '~' | '<' | '>'
	;

/* Statements are separated by ';'; the last one needs none, and none is
 * needed after a statement that ends with a block. */
stmts
	: stmt_seq
	| stmt_seq simple_stmt		{ $$ = $1; ast_list_push(ctx->arena, &$$, $2); }
	;

stmt_seq
	: %empty			{ $$ = (struct ast_list){ 0 }; }
	| stmt_seq simple_stmt ';'	{ $$ = $1; ast_list_push(ctx->arena, &$$, $2); }
	| stmt_seq compound_stmt	{ $$ = $1; ast_list_push(ctx->arena, &$$, $2); }
	| stmt_seq ';'			{ $$ = $1; }
	| stmt_seq error skipping skip ';'
		{
			$$ = $1;
			ctx->skipping = false;
			yyerrok;
		}
	| stmt_seq error skipping skip braces
		{
			$$ = $1;
			ctx->skipping = false;
			yyerrok;
		}
	;

simple_stmt
	: expr
		{
			$$ = mk(ctx, AST_EXPR_STMT, &@$);
			$$->lhs = $1;
		}
	| expr '=' expr			{ $$ = mk_assign(ctx, OP_NONE, $1, $3, &@$, &@1); }
	| expr COMPOUND_ASSIGN expr	{ $$ = mk_assign(ctx, $2, $1, $3, &@$, &@1); }
	| LET VAR
		{
			$$ = mk(ctx, AST_LET, &@$);
			$$->name = $2;
		}
	| LET VAR ':' type
		{
			$$ = mk(ctx, AST_LET, &@$);
			$$->name = $2;
			$$->typespec = $4;
		}
	| LET VAR '=' expr
		{
			$$ = mk(ctx, AST_LET, &@$);
			$$->name = $2;
			$$->rhs = $4;
		}
	| LET VAR ':' type '=' expr
		{
			$$ = mk(ctx, AST_LET, &@$);
			$$->name = $2;
			$$->typespec = $4;
			$$->rhs = $6;
		}
	| BREAK			{ $$ = mk(ctx, AST_BREAK, &@$); }
	| CONTINUE		{ $$ = mk(ctx, AST_CONTINUE, &@$); }
	| RETURN		{ $$ = mk(ctx, AST_RETURN, &@$); }
	| RETURN expr		{ $$ = mk(ctx, AST_RETURN, &@$); $$->lhs = $2; }
	;

compound_stmt
	: if_stmt
	| WHILE '(' expr ')' block
		{
			$$ = mk(ctx, AST_WHILE, &@$);
			$$->cond = $3;
			$$->body = $5;
		}
	| FOR '(' VAR ':' expr ')' block
		{
			$$ = mk(ctx, AST_FOR, &@$);
			$$->name = $3;
			$$->rhs = $5;
			$$->body = $7;
			if ($5 && $5->kind != AST_MAP) {
				parse_error(ctx, &@5, "a for loop iterates over a map or a range");
				diag_hint(ctx->diags, "write for ($x : @map) or for ($i : start..end)");
			}
		}
	| FOR '(' VAR ':' expr DOTDOT expr ')' block
		{
			struct ast_node *r = mk(ctx, AST_RANGE, &@5);

			r->loc = parse_src_loc(&@5);
			r->loc.end_line = @7.last_line;
			r->loc.end_col = @7.last_column;
			r->lhs = $5;
			r->rhs = $7;
			$$ = mk(ctx, AST_FOR, &@$);
			$$->name = $3;
			$$->rhs = r;
			$$->body = $9;
		}
	| UNROLL '(' expr ')' block
		{
			$$ = mk(ctx, AST_UNROLL, &@$);
			$$->cond = $3;
			$$->body = $5;
		}
	| block
	;

if_stmt
	: IF '(' expr ')' block
		{
			$$ = mk(ctx, AST_IF, &@$);
			$$->cond = $3;
			$$->then = $5;
		}
	| IF '(' expr ')' block ELSE block
		{
			$$ = mk(ctx, AST_IF, &@$);
			$$->cond = $3;
			$$->then = $5;
			$$->otherwise = $7;
		}
	| IF '(' expr ')' block ELSE if_stmt
		{
			$$ = mk(ctx, AST_IF, &@$);
			$$->cond = $3;
			$$->then = $5;
			$$->otherwise = $7;
		}
	;

/* --- expressions ----------------------------------------------------------- */

expr
	: primary
	| expr '?' expr ':' expr
		{
			$$ = mk(ctx, AST_TERNARY, &@$);
			$$->cond = $1;
			$$->then = $3;
			$$->otherwise = $5;
		}
	| expr LOR expr		{ $$ = mk_binary(ctx, OP_LOR, $1, $3, &@$); }
	| expr LAND expr	{ $$ = mk_binary(ctx, OP_LAND, $1, $3, &@$); }
	| expr '|' expr		{ $$ = mk_binary(ctx, OP_BOR, $1, $3, &@$); }
	| expr '^' expr		{ $$ = mk_binary(ctx, OP_BXOR, $1, $3, &@$); }
	| expr '&' expr		{ $$ = mk_binary(ctx, OP_BAND, $1, $3, &@$); }
	| expr EQ expr		{ $$ = mk_binary(ctx, OP_EQ, $1, $3, &@$); }
	| expr NE expr		{ $$ = mk_binary(ctx, OP_NE, $1, $3, &@$); }
	| expr '<' expr		{ $$ = mk_binary(ctx, OP_LT, $1, $3, &@$); }
	| expr '>' expr		{ $$ = mk_binary(ctx, OP_GT, $1, $3, &@$); }
	| expr LE expr		{ $$ = mk_binary(ctx, OP_LE, $1, $3, &@$); }
	| expr GE expr		{ $$ = mk_binary(ctx, OP_GE, $1, $3, &@$); }
	| expr SHL expr		{ $$ = mk_binary(ctx, OP_SHL, $1, $3, &@$); }
	| expr SHR expr		{ $$ = mk_binary(ctx, OP_SHR, $1, $3, &@$); }
	| expr '+' expr		{ $$ = mk_binary(ctx, OP_ADD, $1, $3, &@$); }
	| expr '-' expr		{ $$ = mk_binary(ctx, OP_SUB, $1, $3, &@$); }
	| expr '*' expr		{ $$ = mk_binary(ctx, OP_MUL, $1, $3, &@$); }
	| expr '/' expr		{ $$ = mk_binary(ctx, OP_DIV, $1, $3, &@$); }
	| expr '%' expr		{ $$ = mk_binary(ctx, OP_MOD, $1, $3, &@$); }
	| '-' expr %prec UNARY	{ $$ = mk_unary(ctx, OP_NEG, $2, &@$); check_negative(ctx, $2, &@$); }
	| '+' expr %prec UNARY	{ $$ = $2; }
	| '!' expr %prec UNARY	{ $$ = mk_unary(ctx, OP_LNOT, $2, &@$); }
	| '~' expr %prec UNARY	{ $$ = mk_unary(ctx, OP_BNOT, $2, &@$); }
	| '*' expr %prec UNARY	{ $$ = mk_unary(ctx, OP_DEREF, $2, &@$); }
	| '&' expr %prec UNARY	{ $$ = mk_unary(ctx, OP_ADDR, $2, &@$); }
	| INC expr %prec UNARY	{ $$ = mk_unary(ctx, OP_PRE_INC, $2, &@$); }
	| DEC expr %prec UNARY	{ $$ = mk_unary(ctx, OP_PRE_DEC, $2, &@$); }
	| '(' type ')' expr %prec UNARY
		{
			$$ = mk(ctx, AST_CAST, &@$);
			$$->typespec = $2;
			$$->lhs = $4;
		}
	| expr INC		{ $$ = mk_unary(ctx, OP_POST_INC, $1, &@$); }
	| expr DEC		{ $$ = mk_unary(ctx, OP_POST_DEC, $1, &@$); }
	| expr '.' IDENT
		{
			$$ = mk(ctx, AST_FIELD, &@$);
			$$->lhs = $1;
			$$->name = $3;
		}
	| expr ARROW IDENT
		{
			$$ = mk(ctx, AST_FIELD, &@$);
			$$->lhs = $1;
			$$->name = $3;
			$$->arrow = true;
		}
	| expr '.' INT
		{
			$$ = mk(ctx, AST_TUPLE_INDEX, &@$);
			$$->lhs = $1;
			$$->ival = $3;
		}
	| expr '[' expr ']'
		{
			$$ = mk(ctx, AST_INDEX, &@$);
			$$->lhs = $1;
			$$->rhs = $3;
		}
	;

primary
	: INT			{ $$ = mk(ctx, AST_INT, &@$); $$->ival = $1; }
	| STRING
		{
			$$ = mk(ctx, AST_STR, &@$);
			$$->str = $1.s;
			$$->str_len = $1.len;
		}
	| TRUE			{ $$ = mk(ctx, AST_BOOL, &@$); $$->ival = 1; }
	| FALSE			{ $$ = mk(ctx, AST_BOOL, &@$); $$->ival = 0; }
	| IDENT			{ $$ = mk(ctx, AST_IDENT, &@$); $$->name = $1; }
	| VAR			{ $$ = mk(ctx, AST_VAR, &@$); $$->name = $1; }
	| POSITIONAL		{ $$ = mk(ctx, AST_POSITIONAL, &@$); $$->ival = $1; }
	| map
	| call
	| '(' expr ')'		{ $$ = $2; }
	| '(' ')'		{ $$ = mk(ctx, AST_TUPLE, &@$); }
	| '(' expr ',' ')'
		{
			$$ = mk(ctx, AST_TUPLE, &@$);
			$$->list = list_of(ctx, $2);
		}
	| '(' expr ',' expr_list ')'
		{
			$$ = mk(ctx, AST_TUPLE, &@$);
			$$->list = list_of(ctx, $2);
			for (int i = 0; i < $4.len; i++)
				ast_list_push(ctx->arena, &$$->list, $4.items[i]);
		}
	;

map
	: MAP %prec MAP_ALONE	{ $$ = mk(ctx, AST_MAP, &@$); $$->name = $1; }
	| MAP '[' expr_list ']'
		{
			$$ = mk(ctx, AST_MAP, &@$);
			$$->name = $1;
			$$->list = $3;
		}
	;

call
	: IDENT '(' ')'		{ $$ = mk(ctx, AST_CALL, &@$); $$->name = $1; }
	| IDENT '(' arg_list ')'
		{
			$$ = mk(ctx, AST_CALL, &@$);
			$$->name = $1;
			$$->list = $3;
		}
	;

expr_list
	: expr			{ $$ = list_of(ctx, $1); }
	| expr_list ',' expr	{ $$ = $1; ast_list_push(ctx->arena, &$$, $3); }
	;

/* A call argument may be a type: sizeof(struct task_struct),
 * offsetof(struct sock, sk_state). */
arg_list
	: arg			{ $$ = list_of(ctx, $1); }
	| arg_list ',' arg	{ $$ = $1; ast_list_push(ctx->arena, &$$, $3); }
	;

arg
	: expr
	| type
		{
			$$ = mk(ctx, AST_TYPE, &@$);
			$$->typespec = $1;
		}
	;

/* --- types ------------------------------------------------------------------ */

type
	: base_type pointers
		{
			$$ = $1;
			$$.ptr_depth = (int)$2;
		}
	| base_type pointers '[' INT ']'
		{
			$$ = $1;
			$$.ptr_depth = (int)$2;
			if ($4 < 1 || $4 > INT32_MAX) {
				parse_error(ctx, &@4, "array length must be between 1 and %d", INT32_MAX);
				$$.array_len = 1;
			} else {
				$$.array_len = (int)$4;
			}
		}
	| base_type pointers '[' ']'
		{
			$$ = $1;
			$$.ptr_depth = (int)$2;
			$$.array_len = 0;
		}
	;

pointers
	: %empty		{ $$ = 0; }
	| pointers '*'
		{
			$$ = $1 + 1;
			if ($$ > 64) {
				parse_error(ctx, &@2, "too many pointer levels");
				$$ = 64;
			}
		}
	;

base_type
	: TYPE_NAME		{ $$ = (struct ast_typespec){ .name = $1, .array_len = -1 }; }
	| STRUCT IDENT
		{
			$$ = (struct ast_typespec){ .array_len = -1 };
			$$.name = arena_printf(ctx->arena, "struct %s", $2);
		}
	| UNION IDENT
		{
			$$ = (struct ast_typespec){ .array_len = -1 };
			$$.name = arena_printf(ctx->arena, "union %s", $2);
		}
	| ENUM IDENT
		{
			$$ = (struct ast_typespec){ .array_len = -1 };
			$$.name = arena_printf(ctx->arena, "enum %s", $2);
		}
	;

%%

static void yyerror(YYLTYPE *loc, struct parse_ctx *ctx, yyscan_t scanner, const char *msg)
{
	(void)scanner;
	/* Bison's own messages: in practice only "memory exhausted", which
	 * means its stack hit YYMAXDEPTH on absurdly deep nesting. */
	if (strcmp(msg, "memory exhausted") == 0)
		parse_error(ctx, loc, "program nested too deeply");
	else
		parse_error(ctx, loc, "%s", msg);
}

/* What a token class is called when it is expected. */
static const char *symbol_desc(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_YYEOF: return "end of file";
	case YYSYMBOL_YYerror: return "error";
	case YYSYMBOL_YYUNDEF: return "invalid token";
	case YYSYMBOL_ATTACH_POINT: return "attach point";
	case YYSYMBOL_C_DEFINITION: return "C definition";
	case YYSYMBOL_IDENT: return "identifier";
	case YYSYMBOL_VAR: return "variable";
	case YYSYMBOL_MAP: return "map";
	case YYSYMBOL_TYPE_NAME: return "type";
	case YYSYMBOL_POSITIONAL: return "positional parameter";
	case YYSYMBOL_INT: return "integer";
	case YYSYMBOL_STRING: return "string";
	case YYSYMBOL_COMPOUND_ASSIGN: return "compound assignment";
	case YYSYMBOL_PRED_BEGIN: return "predicate";
	case YYSYMBOL_ENDPRED: return "'/'";
	default: break;
	}
	/* Punctuation comes as "'{'"; keywords and operators (aliases) as
	 * "if", "==": the caller quotes those. */
	const char *name = yysymbol_name(sym);
	if (name[0] == '\'')
		return name;
	return NULL;
}

static bool is_structural(yysymbol_kind_t sym)
{
	const char *name = yysymbol_name(sym);

	return sym == YYSYMBOL_ENDPRED ||
	       (name[0] == '\'' && strchr(";}),]:", name[1]) != NULL);
}

struct msg {
	char buf[512];
	size_t len;
};

static void msg_add(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->len >= sizeof(m->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, sizeof(m->buf) - m->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
	if (m->len >= sizeof(m->buf))
		m->len = sizeof(m->buf) - 1;
}

/* The name of a symbol, quoted as the user would write it. */
static void msg_symbol(struct msg *m, yysymbol_kind_t sym)
{
	const char *desc = symbol_desc(sym);

	if (desc) {
		msg_add(m, "%s", desc);
		return;
	}
	msg_add(m, "'%s'", yysymbol_name(sym));
}

/* The unexpected token, with the text the user wrote where that helps:
 * identifier "foo", integer 42, string "abc", keyword 'if', '}'. */
static void msg_unexpected(struct msg *m, struct parse_ctx *ctx, yysymbol_kind_t sym)
{
	const char *text = ctx->src + ctx->last_start;
	size_t len = ctx->last_end > ctx->last_start ? ctx->last_end - ctx->last_start : 0;
	bool cut = false;

	if (ctx->last_end > ctx->len)
		len = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' || text[i] == '\0') {
			len = i;
			cut = true;
			break;
		}
	}
	if (len > 40) {
		len = 40;
		cut = true;
	}

	switch (sym) {
	case YYSYMBOL_IDENT:
	case YYSYMBOL_VAR:
	case YYSYMBOL_MAP:
	case YYSYMBOL_ATTACH_POINT:
	case YYSYMBOL_TYPE_NAME:
		msg_add(m, "%s \"%.*s%s\"", symbol_desc(sym), (int)len, text, cut ? "..." : "");
		return;
	case YYSYMBOL_INT:
	case YYSYMBOL_POSITIONAL:
	case YYSYMBOL_STRING:
		msg_add(m, "%s %.*s%s", symbol_desc(sym), (int)len, text, cut ? "..." : "");
		return;
	case YYSYMBOL_COMPOUND_ASSIGN:
		msg_add(m, "'%.*s'", (int)len, text);
		return;
	default:
		break;
	}
	const char *name = yysymbol_name(sym);
	if (!symbol_desc(sym) &&
	    ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
		msg_add(m, "keyword ");
	msg_symbol(m, sym);
}

/* The token last read starts inside, or just after (white space between),
 * the text of the last scanner error. */
static bool lex_error_adjacent(const struct parse_ctx *ctx)
{
	if (!ctx->lex_error_seen)
		return false;
	size_t at = ctx->last_start;
	if (at > ctx->len)
		at = ctx->len;
	for (size_t i = ctx->lex_error_end; i < at; i++)
		if (ctx->src[i] != ' ' && ctx->src[i] != '\t' && ctx->src[i] != '\n' &&
		    ctx->src[i] != '\r')
			return false;
	return true;
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, struct parse_ctx *ctx, yyscan_t scanner)
{
	yysymbol_kind_t expected[YYNTOKENS];
	yysymbol_kind_t shown[YYNTOKENS + 1];
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	struct msg m = { .len = 0 };
	int n, nshown = 0;
	bool expression = false;

	(void)scanner;
	/* Running out of input while skipping a broken statement is the
	 * earlier error's fault, not a new one. */
	if (tok == YYSYMBOL_YYEOF && ctx->skipping)
		return 0;
	/* Nor is a token that stumbles over what the scanner just rejected
	 * ("$ = 1", "@1x"): the scanner's error said it already. */
	if (lex_error_adjacent(ctx))
		return 0;
	m.buf[0] = '\0';
	msg_add(&m, "syntax error");
	if (tok != YYSYMBOL_YYEMPTY) {
		msg_add(&m, ", unexpected ");
		msg_unexpected(&m, ctx, tok);
	}

	n = yypcontext_expected_tokens(yyctx, expected, YYNTOKENS);
	if (n <= 4) {
		for (int i = 0; i < n; i++)
			shown[nshown++] = expected[i];
	} else {
		/* A long list helps nobody: say "expression" for everything
		 * that can start one, and keep the tokens that end things. */
		for (int i = 0; i < n; i++) {
			if (expected[i] == YYSYMBOL_INT)
				expression = true;
			else if (is_structural(expected[i]))
				shown[nshown++] = expected[i];
		}
	}
	if (expression || nshown) {
		msg_add(&m, ", expecting ");
		if (expression) {
			msg_add(&m, "expression");
			if (nshown)
				msg_add(&m, nshown == 1 ? " or " : ", ");
		}
		for (int i = 0; i < nshown; i++) {
			if (i > 0)
				msg_add(&m, i == nshown - 1 ? " or " : ", ");
			msg_symbol(&m, shown[i]);
		}
	}
	parse_error(ctx, yypcontext_location(yyctx), "%s", m.buf);
	if (ctx->stop)
		return 0;
	if (tok == YYSYMBOL_YYEOF && ctx->depth > 0 && ctx->depth <= 32) {
		YYLTYPE open;
		size_t at = ctx->open_braces[ctx->depth - 1];

		parse_locate(ctx, at, at + 1, &open);
		diag_hint(ctx->diags, "the '{' at line %d, column %d is never closed",
			  open.first_line, open.first_column);
	} else if (tok == YYTRANSLATE('}') && ctx->stray_brace) {
		diag_hint(ctx->diags, "this '}' closes no block");
	} else if (tok == YYSYMBOL_DOTDOT && !expression) {
		diag_hint(ctx->diags, "a range start..end is written only in a for loop: "
			  "for ($i : start..end)");
	} else if (nshown == 1 && shown[0] == YYSYMBOL_ENDPRED) {
		diag_hint(ctx->diags, "a predicate is /condition/ right before the probe's block "
			  "{ ... }; inside it, '/' divides");
	} else if (tok == YYTRANSLATE('=')) {
		/* "if ($x = 1)": inside parentheses, where a comparison could
		 * go on; not "@m[1 = 2" nor "$a = $b = 1" */
		bool eq = false, paren = false, bracket = false;
		for (int i = 0; i < n; i++) {
			eq |= expected[i] == YYSYMBOL_EQ;
			paren |= expected[i] == YYTRANSLATE(')');
			bracket |= expected[i] == YYTRANSLATE(']');
		}
		if (eq && paren && !bracket)
			diag_hint(ctx->diags, "'=' assigns; to compare, write '=='");
	}
	return 0;
}
