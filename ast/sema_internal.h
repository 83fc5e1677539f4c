/* State shared by the semantic pass files (not for other stages). */
#ifndef SONDE_SEMA_INTERNAL_H
#define SONDE_SEMA_INTERNAL_H

#include "ast/sema.h"

struct sema {
	struct arena *a;
	struct diags *d;
	struct sema_program *sp;
	const struct sema_opts *opts;
	bool final;	/* report errors (last pass) */
	bool changed;	/* a map or variable type changed in this pass */
	struct sema_prog *prog;	/* the program being checked */
	struct sema_var **vars;	/* scratch variables of the current probe */
	int nvars;
	int loop_depth;
	const char *missing_probes;	/* config: "error" (NULL), "warn", "ignore" */
	int max_programs;	/* config max_probes (0: the default) */
	struct sema_map_decl *decls;	/* let @m = hash(N) at the top level */
	int ndecls;
};

/* A map declaration: the BPF map type and size asked for. */
struct sema_map_decl {
	const char *name;	/* without '@' */
	const char *kind;	/* "hash", "lruhash", "percpuhash", ... */
	int bpf_type;
	uint32_t entries;
	struct src_loc loc;
	bool used;
};

void sema_check_probes(struct sema *s);
void sema_check_block(struct sema *s, struct ast_node *b);
void sema_check_maps(struct sema *s);
/* let @m = hash(N), percpuhash(N), lruhash(N), percpulruhash(N),
 * percpuarray(N): recorded, applied when the map's layout is chosen. */
void sema_declare_map(struct sema *s, struct ast_node *n);
/* Records that map m holds values of type t (set at loc); reports a
 * conflict with an earlier use. */
void sema_map_set_value(struct sema *s, struct sema_map *m, struct type *t, struct src_loc loc);
void sema_map_set_key(struct sema *s, struct ast_node *n, struct type *key);

/* Kernel types in expressions (sema_types.c). */
struct type *sema_check_cast(struct sema *s, struct ast_node *n);
struct type *sema_check_member(struct sema *s, struct ast_node *n);
struct type *sema_check_deref(struct sema *s, struct ast_node *n);
struct type *sema_check_addr(struct sema *s, struct ast_node *n);
struct type *sema_check_index(struct sema *s, struct ast_node *n);
/* An enumerator of a kernel enum: n becomes an AST_INT of its value. */
bool sema_enum_ident(struct sema *s, struct ast_node *n);

#endif
