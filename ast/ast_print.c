/* --dump=ast: one node per line, two spaces of indent per level, children
 * below their parent in source order.  No addresses, no locations.  The
 * spelling is stable (golden tests depend on it):
 *
 *   program                      top level items follow
 *   probe                        children: attach..., [predicate], block
 *   attach TEXT                  attach point, verbatim (quotes kept)
 *   predicate                    child: the expression
 *   config                       children: assign = (ident KEY, value)
 *   macro NAME                   children: [params (var/map/ident...)], block
 *   map_decl @NAME               child: the initialiser (a call)
 *   import "PATH"
 *   c_definition "TEXT"          TEXT escaped like a string literal
 *
 *   block                        children: statements
 *   expr                         expression statement; child: the expression
 *   assign OP                    OP is = += -= *= /= %= &= |= ^= <<= >>=;
 *                                children: target, value
 *   let $NAME[: TYPE]            child: the initialiser, if any
 *   if                           children: cond, block, [else (child: block or if)]
 *   while                        children: cond, block
 *   for $NAME                    children: map or range, block
 *   unroll                       children: count, block
 *   break | continue | return    return has its value as child, if any
 *
 *   int N                        decimal value of the literal (any base/suffix)
 *   string "TEXT"                escapes \\ \" \n \t \r, other bytes outside
 *                                printable ASCII as \xHH
 *   bool true|false
 *   ident NAME                   builtins, enum values, bare words
 *   var $NAME
 *   positional $N | $#
 *   map @NAME | map @            [keys (children: key expressions)]
 *   call NAME                    children: arguments
 *   unary OP                     OP: - ! ~ * & pre++ pre-- post++ post--
 *   binary OP                    children: lhs, rhs
 *   ternary                      children: cond, then, else
 *   field .NAME | field ->NAME   child: the object
 *   index                        children: object, index
 *   tuple_index .N               child: the tuple
 *   tuple                        children: items (none for "()")
 *   cast TYPE                    child: the operand
 *   type TYPE                    a type as an argument: sizeof(struct x)
 *   range                        children: start, end
 *
 * TYPE is the name, then " " and one '*' per pointer level, then "[N]" for
 * an array ("[]" when the length is left out): "uint32",
 * "struct task_struct *", "int64 **", "uint8[4]", "uint8[]". */
#include "ast/ast.h"

#include <inttypes.h>
#include <string.h>

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void print_escaped(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				fputc(c, out);
			else
				fprintf(out, "\\x%02x", c);
		}
	}
	fputc('"', out);
}

static void print_type(FILE *out, const struct ast_typespec *t)
{
	fputs(t->name ? t->name : "?", out);
	if (t->ptr_depth > 0) {
		fputc(' ', out);
		for (int i = 0; i < t->ptr_depth; i++)
			fputc('*', out);
	}
	if (t->array_len > 0)
		fprintf(out, "[%d]", t->array_len);
	else if (t->array_len == 0)
		fputs("[]", out);
}

static const char *unary_name(enum ast_op op)
{
	switch (op) {
	case OP_PRE_INC: return "pre++";
	case OP_PRE_DEC: return "pre--";
	case OP_POST_INC: return "post++";
	case OP_POST_DEC: return "post--";
	default: return ast_op_str(op);
	}
}

static void print_node(FILE *out, const struct ast_node *n, int depth);

static void print_list(FILE *out, const struct ast_list *l, int depth)
{
	for (int i = 0; i < l->len; i++)
		print_node(out, l->items[i], depth);
}

static void print_node(FILE *out, const struct ast_node *n, int depth)
{
	indent(out, depth);
	if (!n) {
		fputs("<null>\n", out);
		return;
	}
	switch (n->kind) {
	case AST_INT:
		fprintf(out, "int %" PRIu64 "\n", n->ival);
		return;
	case AST_STR:
		fputs("string ", out);
		print_escaped(out, n->str ? n->str : "", n->str ? n->str_len : 0);
		fputc('\n', out);
		return;
	case AST_BOOL:
		fprintf(out, "bool %s\n", n->ival ? "true" : "false");
		return;
	case AST_IDENT:
		fprintf(out, "ident %s\n", n->name);
		return;
	case AST_VAR:
		fprintf(out, "var $%s\n", n->name);
		return;
	case AST_POSITIONAL:
		if (n->ival == UINT64_MAX)
			fputs("positional $#\n", out);
		else
			fprintf(out, "positional $%" PRIu64 "\n", n->ival);
		return;
	case AST_MAP:
		fprintf(out, "map @%s\n", n->name ? n->name : "");
		if (n->list.len) {
			indent(out, depth + 1);
			fputs("keys\n", out);
			print_list(out, &n->list, depth + 2);
		}
		return;
	case AST_CALL:
		fprintf(out, "call %s\n", n->name);
		print_list(out, &n->list, depth + 1);
		return;
	case AST_UNARY:
		fprintf(out, "unary %s\n", unary_name(n->op));
		print_node(out, n->lhs, depth + 1);
		return;
	case AST_BINARY:
		fprintf(out, "binary %s\n", ast_op_str(n->op));
		print_node(out, n->lhs, depth + 1);
		print_node(out, n->rhs, depth + 1);
		return;
	case AST_TERNARY:
		fputs("ternary\n", out);
		print_node(out, n->cond, depth + 1);
		print_node(out, n->then, depth + 1);
		print_node(out, n->otherwise, depth + 1);
		return;
	case AST_FIELD:
		fprintf(out, "field %s%s\n", n->arrow ? "->" : ".", n->name);
		print_node(out, n->lhs, depth + 1);
		return;
	case AST_INDEX:
		fputs("index\n", out);
		print_node(out, n->lhs, depth + 1);
		print_node(out, n->rhs, depth + 1);
		return;
	case AST_TUPLE_INDEX:
		fprintf(out, "tuple_index .%" PRIu64 "\n", n->ival);
		print_node(out, n->lhs, depth + 1);
		return;
	case AST_TUPLE:
		fputs("tuple\n", out);
		print_list(out, &n->list, depth + 1);
		return;
	case AST_CAST:
		fputs("cast ", out);
		print_type(out, &n->typespec);
		fputc('\n', out);
		print_node(out, n->lhs, depth + 1);
		return;
	case AST_TYPE:
		fputs("type ", out);
		print_type(out, &n->typespec);
		fputc('\n', out);
		return;
	case AST_RANGE:
		fputs("range\n", out);
		print_node(out, n->lhs, depth + 1);
		print_node(out, n->rhs, depth + 1);
		return;

	case AST_EXPR_STMT:
		fputs("expr\n", out);
		print_node(out, n->lhs, depth + 1);
		return;
	case AST_ASSIGN:
		fprintf(out, "assign %s=\n", ast_op_str(n->op));
		print_node(out, n->lhs, depth + 1);
		print_node(out, n->rhs, depth + 1);
		return;
	case AST_LET:
		fprintf(out, "let $%s", n->name);
		if (n->typespec.name) {
			fputs(": ", out);
			print_type(out, &n->typespec);
		}
		fputc('\n', out);
		if (n->rhs)
			print_node(out, n->rhs, depth + 1);
		return;
	case AST_IF:
		fputs("if\n", out);
		print_node(out, n->cond, depth + 1);
		print_node(out, n->then, depth + 1);
		if (n->otherwise) {
			indent(out, depth + 1);
			fputs("else\n", out);
			print_node(out, n->otherwise, depth + 2);
		}
		return;
	case AST_WHILE:
		fputs("while\n", out);
		print_node(out, n->cond, depth + 1);
		print_node(out, n->body, depth + 1);
		return;
	case AST_FOR:
		fprintf(out, "for $%s\n", n->name);
		print_node(out, n->rhs, depth + 1);
		print_node(out, n->body, depth + 1);
		return;
	case AST_UNROLL:
		fputs("unroll\n", out);
		print_node(out, n->cond, depth + 1);
		print_node(out, n->body, depth + 1);
		return;
	case AST_BREAK:
		fputs("break\n", out);
		return;
	case AST_CONTINUE:
		fputs("continue\n", out);
		return;
	case AST_RETURN:
		fputs("return\n", out);
		if (n->lhs)
			print_node(out, n->lhs, depth + 1);
		return;
	case AST_BLOCK:
		fputs("block\n", out);
		print_list(out, &n->list, depth + 1);
		return;

	case AST_PROBE:
		fputs("probe\n", out);
		print_list(out, &n->list, depth + 1);
		if (n->pred) {
			indent(out, depth + 1);
			fputs("predicate\n", out);
			print_node(out, n->pred, depth + 2);
		}
		print_node(out, n->body, depth + 1);
		return;
	case AST_ATTACH_POINT:
		fprintf(out, "attach %s\n", n->str);
		return;
	case AST_CONFIG:
		fputs("config\n", out);
		print_list(out, &n->list, depth + 1);
		return;
	case AST_MACRO:
		fprintf(out, "macro %s\n", n->name);
		if (n->list.len) {
			indent(out, depth + 1);
			fputs("params\n", out);
			print_list(out, &n->list, depth + 2);
		}
		print_node(out, n->body, depth + 1);
		return;
	case AST_MAP_DECL:
		fprintf(out, "map_decl @%s\n", n->name);
		print_node(out, n->rhs, depth + 1);
		return;
	case AST_C_DEFINITION:
		fputs("c_definition ", out);
		print_escaped(out, n->str ? n->str : "", n->str ? strlen(n->str) : 0);
		fputc('\n', out);
		return;
	case AST_IMPORT:
		fputs("import ", out);
		print_escaped(out, n->str ? n->str : "", n->str ? n->str_len : 0);
		fputc('\n', out);
		return;
	case AST_PROGRAM:
		fputs("program\n", out);
		print_list(out, &n->list, depth + 1);
		return;
	}
	fprintf(out, "<kind %d>\n", (int)n->kind);
}

void ast_print(FILE *out, const struct ast_node *program)
{
	if (program)
		print_node(out, program, 0);
}
