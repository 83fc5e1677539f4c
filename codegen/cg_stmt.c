/* Lowering of statements. */
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "stdlib/stdlib.h"

LLVMValueRef cg_positional(struct codegen *cg, struct ast_node *n)
{
	const struct sema_program *sp = cg->sp;
	if (n->ival == (uint64_t)-1)
		return cg_const(cg, (uint64_t)sp->npositional);
	const char *v = sp->positional[n->ival - 1];
	if (n->type->kind == TY_INT)
		return cg_const(cg, (uint64_t)strtoll(v, NULL, 0));
	struct ast_node lit = {.kind = AST_STR, .str = (char *)v, .str_len = strlen(v), .type = n->type};
	return cg_expr(cg, &lit);
}

static void assign(struct codegen *cg, struct ast_node *n)
{
	struct ast_node *l = n->lhs, *r = n->rhs;
	if (r->kind == AST_CALL && r->fn && r->fn->kind == SL_AGG) {
		r->fn->emit(cg, r, l);
		return;
	}
	if (n->op) {
		/* compound assignment: l = l op r, integers only */
		struct ast_node bin = {.kind = AST_BINARY, .loc = n->loc, .op = n->op,
				       .lhs = l, .rhs = r, .type = l->type};
		cg_assign_int(cg, l, cg_expr(cg, &bin));
		return;
	}
	const struct type *t = l->kind == AST_VAR ? l->var->type : l->map->value;
	if (t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PROBE || t->kind == TY_PTR) {
		cg_assign_int(cg, l, cg_expr(cg, r));
		return;
	}
	if (l->kind == AST_VAR) {
		cg_expr_into(cg, r, cg_var_ref(cg, l->var), t);
		return;
	}
	LLVMValueRef key = cg_map_key(cg, l, 0);
	LLVMValueRef val = cg_buffer(cg, t->size, "val");
	cg_expr_into(cg, r, val, t);
	cg_map_update(cg, cg_map_global(cg, l->map), key, val, BPF_ANY);
}

static void block(struct codegen *cg, struct ast_node *b)
{
	for (int i = 0; b && i < b->list.len; i++)
		cg_stmt(cg, b->list.items[i]);
}

static LLVMValueRef truth(struct codegen *cg, struct ast_node *e)
{
	return LLVMBuildICmp(cg->b, LLVMIntNE, cg_expr(cg, e), cg_const(cg, 0), "cond");
}

static void jump(struct codegen *cg, LLVMBasicBlockRef to)
{
	LLVMBuildBr(cg->b, to);
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "after_jump"));
}

static void loop_body(struct codegen *cg, struct ast_node *loop, LLVMBasicBlockRef cont,
		      LLVMBasicBlockRef brk)
{
	struct cg_loop frame = {cont, brk, cg->loop};
	cg->loop = &frame;
	block(cg, loop->body);
	cg->loop = frame.outer;
	/* the back edge is the loop's, not its last statement's: a verifier
	 * complaint about the loop points at the loop */
	cg_set_loc(cg, loop->loc);
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
		LLVMBuildBr(cg->b, cont);
}

static void while_loop(struct codegen *cg, struct ast_node *n)
{
	LLVMBasicBlockRef cond = cg_block(cg, "while"), body = cg_block(cg, "do"),
			  end = cg_block(cg, "done");
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, cond);
	LLVMBuildCondBr(cg->b, truth(cg, n->cond), body, end);
	LLVMPositionBuilderAtEnd(cg->b, body);
	loop_body(cg, n, cond, end);
	LLVMPositionBuilderAtEnd(cg->b, end);
}

static void for_range(struct codegen *cg, struct ast_node *n)
{
	LLVMValueRef i = cg_var_ref(cg, n->var);
	LLVMBuildStore(cg->b, cg_expr(cg, n->rhs->lhs), i);
	LLVMValueRef hi = cg_alloca(cg, cg->i64, "hi");
	LLVMBuildStore(cg->b, cg_expr(cg, n->rhs->rhs), hi);
	LLVMBasicBlockRef cond = cg_block(cg, "for"), body = cg_block(cg, "do"),
			  next = cg_block(cg, "next"), end = cg_block(cg, "done");
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, cond);
	LLVMValueRef lt = LLVMBuildICmp(cg->b, LLVMIntSLT, LLVMBuildLoad2(cg->b, cg->i64, i, ""),
					LLVMBuildLoad2(cg->b, cg->i64, hi, ""), "");
	LLVMBuildCondBr(cg->b, lt, body, end);
	LLVMPositionBuilderAtEnd(cg->b, body);
	loop_body(cg, n, next, end);
	LLVMPositionBuilderAtEnd(cg->b, next);
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, LLVMBuildLoad2(cg->b, cg->i64, i, ""),
					   cg_const(cg, 1), ""), i);
	LLVMBuildBr(cg->b, cond);
	LLVMPositionBuilderAtEnd(cg->b, end);
}

void cg_stmt(struct codegen *cg, struct ast_node *n)
{
	cg_set_loc(cg, n->loc);
	switch (n->kind) {
	case AST_EXPR_STMT:
		cg_expr(cg, n->lhs);
		break;
	case AST_ASSIGN:
		assign(cg, n);
		break;
	case AST_LET: {
		struct ast_node var = {.kind = AST_VAR, .loc = n->loc, .name = n->name,
				       .var = n->var, .type = n->var->type};
		struct ast_node as = {.kind = AST_ASSIGN, .loc = n->loc, .lhs = &var, .rhs = n->rhs};
		if (n->rhs)
			assign(cg, &as);
		break;
	}
	case AST_IF:
		cg_if(cg, truth(cg, n->cond));
		block(cg, n->then);
		if (n->otherwise) {
			cg_else(cg);
			if (n->otherwise->kind == AST_IF)
				cg_stmt(cg, n->otherwise);
			else
				block(cg, n->otherwise);
		}
		cg_end_if(cg);
		break;
	case AST_BLOCK:
		block(cg, n);
		break;
	case AST_RETURN:
		cg_return(cg);
		break;
	case AST_WHILE:
		while_loop(cg, n);
		break;
	case AST_FOR:
		if (n->rhs->kind == AST_MAP)
			cg_for_map(cg, n);
		else
			for_range(cg, n);
		break;
	case AST_UNROLL:
		for (uint64_t k = 0; k < n->ival; k++)
			block(cg, n->body);
		break;
	case AST_BREAK:
		jump(cg, cg->loop->brk);
		break;
	case AST_CONTINUE:
		jump(cg, cg->loop->cont);
		break;
	default:
		/* sema rejects everything else before codegen runs */
		break;
	}
}

/* One BPF program: predicate, then the body. */
void cg_program(struct codegen *cg, struct sema_prog *p)
{
	struct ast_node *probe = p->probe;
	if (p->setup_event) {
		cg_setup_program(cg, p);
		return;
	}
	if (probe->pred) {
		cg_set_loc(cg, probe->pred->loc);
		cg_if(cg, truth(cg, probe->pred));
		block(cg, probe->body);
		cg_end_if(cg);
	} else {
		block(cg, probe->body);
	}
	if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
		LLVMBuildRet(cg->b, cg_const(cg, 0));
}
