/* Kernel types in expressions: casts to BTF types, fields of structs and
 * unions (through pointers, anonymous members, bitfields), *p, a[i],
 * enumerators as constants.  Types come from this kernel's BTF, read
 * lazily: a script that never names one never parses it. */
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "ast/sema_internal.h"
#include "runtime/kernel_btf.h"

static struct type *set(struct ast_node *n, struct type *t)
{
	n->type = t;
	return t;
}

static bool is_err(const struct type *t)
{
	return !t || t->kind == TY_ERROR || t->kind == TY_NONE;
}

static bool is_integer(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PROBE);
}

/* Pointers into user memory stay user pointers when followed. */
static struct type *in_space(struct sema *s, struct type *t, bool user)
{
	if (!user || !t || t->kind != TY_PTR || t->user_ptr)
		return t;
	struct type *c = arena_alloc(s->a, sizeof(*c));
	*c = *t;
	c->user_ptr = true;
	return c;
}

/* Whether the memory an in-memory value lives in is user memory. */
static bool mem_user(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_FIELD:
		return n->extra && ((const struct sema_member *)n->extra)->user;
	case AST_UNARY:
		return n->lhs->type && n->lhs->type->user_ptr;
	case AST_INDEX:
		return n->lhs->type && n->lhs->type->kind == TY_PTR ? n->lhs->type->user_ptr
								    : mem_user(n->lhs);
	default:
		return false;
	}
}

bool sema_in_memory(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_FIELD:
		/* a field of a struct copied into a variable or a map is not */
		return n->extra && !(n->lhs->kind == AST_IDENT && !strcmp(n->lhs->name, "args")) &&
		       (((const struct sema_member *)n->extra)->deref || sema_in_memory(n->lhs));
	case AST_UNARY:
		return n->op == OP_DEREF;
	case AST_INDEX:
		return n->lhs->type && (n->lhs->type->kind == TY_PTR || sema_in_memory(n->lhs));
	default:
		return false;
	}
}

/* ------------------------------------------------------------ type names */

static bool int_type_name(const char *name, uint32_t *size, bool *is_signed)
{
	static const struct { const char *n; uint32_t size; bool sign; } tab[] = {
		{"int8", 1, true},   {"int16", 2, true},   {"int32", 4, true},   {"int64", 8, true},
		{"uint8", 1, false}, {"uint16", 2, false}, {"uint32", 4, false}, {"uint64", 8, false},
		{"int8_t", 1, true},   {"int16_t", 2, true},   {"int32_t", 4, true},   {"int64_t", 8, true},
		{"uint8_t", 1, false}, {"uint16_t", 2, false}, {"uint32_t", 4, false}, {"uint64_t", 8, false},
		{"s8", 1, true}, {"s16", 2, true}, {"s32", 4, true}, {"s64", 8, true},
		{"u8", 1, false}, {"u16", 2, false}, {"u32", 4, false}, {"u64", 8, false},
		{"__s8", 1, true}, {"__s16", 2, true}, {"__s32", 4, true}, {"__s64", 8, true},
		{"__u8", 1, false}, {"__u16", 2, false}, {"__u32", 4, false}, {"__u64", 8, false},
		{"char", 1, true},   {"short", 2, true},   {"int", 4, true},     {"long", 8, true},
		{"signed char", 1, true}, {"signed short", 2, true}, {"signed int", 4, true},
		{"signed long", 8, true}, {"signed", 4, true}, {"short int", 2, true},
		{"long int", 8, true}, {"long long int", 8, true},
		{"unsigned char", 1, false}, {"unsigned short", 2, false},
		{"unsigned int", 4, false},  {"unsigned long", 8, false},
		{"unsigned", 4, false},      {"long long", 8, true},
		{"unsigned long long", 8, false}, {"unsigned short int", 2, false},
		{"unsigned long int", 8, false}, {"unsigned long long int", 8, false},
		{"size_t", 8, false}, {"ssize_t", 8, true},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(name, tab[i].n)) {
			*size = tab[i].size;
			*is_signed = tab[i].sign;
			return true;
		}
	return false;
}

/* "struct task_struct" -> a record from BTF, or NULL after an error. */
static struct type *btf_named(struct sema *s, const char *name, struct src_loc loc)
{
	const char *sp = strchr(name, ' ');
	char kw[8] = "";
	if (sp && sp - name < (int)sizeof(kw))
		memcpy(kw, name, (size_t)(sp - name));
	const char *bare = sp ? sp + 1 : name;
	struct btf *btf = kernel_btf();
	if (!btf) {
		sema_error(s, loc, "%s needs kernel BTF (/sys/kernel/btf/vmlinux), which this kernel lacks",
			   name);
		return NULL;
	}
	int id = kernel_btf_find(kw, bare);
	if (id < 0) {
		sema_error(s, loc, "unknown %s '%s' in the kernel's BTF", kw, bare);
		if (s->final) {
			const char *c = kernel_btf_closest(kw, bare);
			if (c)
				diag_hint(s->d, "did you mean %s %s?", kw, c);
		}
		return NULL;
	}
	return kernel_btf_type(s->a, btf, id);
}

struct type *sema_typespec(struct sema *s, const struct ast_typespec *ts, struct src_loc loc)
{
	struct type *t;
	uint32_t size;
	bool is_signed;
	const char *name = ts->name ? ts->name : "";
	if (int_type_name(name, &size, &is_signed))
		t = type_int(s->a, size, is_signed);
	else if (!strcmp(name, "bool"))
		t = type_bool(s->a);
	else if (!strcmp(name, "void"))
		t = type_void(s->a);
	else if (!strncmp(name, "struct ", 7) || !strncmp(name, "union ", 6) ||
		 !strncmp(name, "enum ", 5))
		t = btf_named(s, name, loc);
	else {
		sema_error(s, loc, "unknown type '%s'", name);
		return NULL;
	}
	if (!t)
		return NULL;
	if (t->kind == TY_VOID && !ts->ptr_depth) {
		sema_error(s, loc, "void is only a type behind a pointer: void *");
		return NULL;
	}
	for (int i = 0; i < ts->ptr_depth; i++)
		t = type_ptr(s->a, t);
	if (ts->array_len >= 0) {
		if (!ts->array_len) {
			sema_unsupported(s, loc, "an array type without a length");
			return NULL;
		}
		struct type *arr = type_new(s->a, TY_ARRAY);
		arr->elem = t;
		arr->count = (uint32_t)ts->array_len;
		arr->size = t->size * arr->count;
		arr->align = t->align;
		t = arr;
	}
	return t;
}

/* ----------------------------------------------------------------- casts */

static bool user_space_probe(struct sema *s)
{
	const char *p = s->prog ? s->prog->provider->name : "";
	return !strcmp(p, "uprobe") || !strcmp(p, "uretprobe") || !strcmp(p, "usdt");
}

struct type *sema_check_cast(struct sema *s, struct ast_node *n)
{
	struct type *from = sema_check_expr(s, n->lhs);
	if (from && from->kind == TY_ERROR)
		return set(n, from);
	struct type *to = sema_typespec(s, &n->typespec, n->loc);
	if (!to)
		return set(n, type_error(s->a));
	if (is_err(from))
		return set(n, type_error(s->a));
	bool from_scalar = is_integer(from) || from->kind == TY_PTR;
	if (to->kind == TY_PTR) {
		if (!from_scalar) {
			sema_error(s, n->loc, "cannot cast %s to %s", type_name(s->a, from),
				   type_name(s->a, to));
			return set(n, type_error(s->a));
		}
		/* an integer becomes a pointer into the probe's address space */
		bool user = from->kind == TY_PTR ? from->user_ptr : user_space_probe(s);
		if (user) {
			struct type *c = arena_alloc(s->a, sizeof(*c));
			*c = *to;
			c->user_ptr = true;
			to = c;
		}
		return set(n, to);
	}
	if (to->kind == TY_INT || to->kind == TY_BOOL) {
		if (!from_scalar) {
			sema_error(s, n->loc, "cannot cast %s to %s", type_name(s->a, from),
				   n->typespec.name);
			return set(n, type_error(s->a));
		}
		return set(n, to);
	}
	if (to->kind == TY_RECORD) {
		sema_error(s, n->loc, "cannot cast to %s, only to a pointer to it: (%s *)", to->name,
			   to->name);
		return set(n, type_error(s->a));
	}
	sema_unsupported(s, n->loc, "this cast");
	return set(n, type_error(s->a));
}

/* ------------------------------------------------------- fields of records */

static void member_hint(struct sema *s, const struct type *rec, const char *name)
{
	if (!s->final)
		return;
	const char *names[1024];
	int k = kernel_btf_member_names(kernel_btf(), rec->btf_id, names, 1024);
	const char *c = diag_closest(name, names, k);
	if (c)
		diag_hint(s->d, "did you mean '%s'?", c);
}

/* A field of a copy of a probe's args ($a = args; $a.count). */
static struct type *args_copy_member(struct sema *s, struct ast_node *n, struct type *t)
{
	for (int i = 0; i < t->nfields; i++) {
		if (strcmp(t->names[i], n->name))
			continue;
		struct sema_member *sm = n->extra ? n->extra : arena_alloc(s->a, sizeof(*sm));
		*sm = (struct sema_member){.bit_offset = t->offsets[i] * 8};
		n->extra = sm;
		return set(n, t->fields[i]);
	}
	sema_error(s, n->loc, "args has no argument '%s'", n->name);
	const char *c = s->final ? diag_closest(n->name, t->names, t->nfields) : NULL;
	if (c)
		diag_hint(s->d, "did you mean '%s'?", c);
	return set(n, type_error(s->a));
}

struct type *sema_check_member(struct sema *s, struct ast_node *n)
{
	struct type *t = sema_check_expr(s, n->lhs);
	if (is_err(t))
		return set(n, type_error(s->a));
	if (t->kind == TY_RECORD && t->names)
		return args_copy_member(s, n, t);
	bool deref = false, user = false;
	struct type *rec = t;
	if (t->kind == TY_PTR && t->elem && t->elem->kind == TY_RECORD) {
		/* p->f and p.f are the same: one hop through the pointer */
		rec = t->elem;
		deref = true;
		user = t->user_ptr;
	} else if (t->kind == TY_RECORD) {
		/* in kernel or user memory, or copied into BPF memory */
		user = sema_in_memory(n->lhs) && mem_user(n->lhs);
	} else {
		sema_error(s, n->loc, "%s%s needs a struct or a pointer to one, not %s",
			   n->arrow ? "->" : ".", n->name, type_name(s->a, t));
		return set(n, type_error(s->a));
	}
	if (!rec->btf_id) {
		sema_error(s, n->loc, "the fields of %s are not known (no BTF for it)",
			   rec->name ? rec->name : "this type");
		return set(n, type_error(s->a));
	}
	struct btf *btf = kernel_btf();
	struct kernel_btf_member m;
	if (!kernel_btf_member(btf, rec->btf_id, n->name, &m)) {
		sema_error(s, n->loc, "%s has no field '%s'", rec->name, n->name);
		member_hint(s, rec, n->name);
		return set(n, type_error(s->a));
	}
	struct sema_member *sm = n->extra ? n->extra : arena_alloc(s->a, sizeof(*sm));
	sm->bit_offset = m.bit_offset;
	sm->bitfield_size = m.bitfield_size;
	sm->deref = deref;
	sm->user = user;
	n->extra = sm;
	struct type *ft = kernel_btf_type(s->a, btf, m.type_id);
	if (m.bitfield_size) {
		bool sg = ft->kind == TY_INT && ft->is_signed;
		ft = type_int(s->a, 8, sg);
	} else if (m.bit_offset % 8) {
		sema_unsupported(s, n->loc, "a field that does not start on a byte");
		return set(n, type_error(s->a));
	}
	return set(n, in_space(s, ft, user));
}

/* ------------------------------------------------------------- *p and a[i] */

struct type *sema_check_deref(struct sema *s, struct ast_node *n)
{
	struct type *t = sema_check_expr(s, n->lhs);
	if (is_err(t))
		return set(n, type_error(s->a));
	if (t->kind != TY_PTR) {
		sema_error(s, n->loc, "* needs a pointer, not %s", type_name(s->a, t));
		return set(n, type_error(s->a));
	}
	struct type *e = t->elem;
	if (!e || e->kind == TY_VOID) {
		sema_error(s, n->loc, "cannot dereference a void pointer; cast it first");
		return set(n, type_error(s->a));
	}
	return set(n, in_space(s, e, t->user_ptr));
}

struct type *sema_check_index(struct sema *s, struct ast_node *n)
{
	struct type *t = sema_check_expr(s, n->lhs);
	struct type *it = sema_check_expr(s, n->rhs);
	if (is_err(t) || is_err(it))
		return set(n, type_error(s->a));
	if (!is_integer(it)) {
		sema_error(s, n->rhs->loc, "an index must be an integer, not %s", type_name(s->a, it));
		return set(n, type_error(s->a));
	}
	struct type *e;
	bool user = false;
	if (t->kind == TY_PTR) {
		e = t->elem;
		user = t->user_ptr;
		if (!e || e->kind == TY_VOID || !e->size) {
			sema_error(s, n->loc, "cannot index a pointer to %s; cast it first",
				   type_name(s->a, e));
			return set(n, type_error(s->a));
		}
	} else if (t->kind == TY_ARRAY) {
		e = t->elem;
		int64_t k;
		/* a flexible array member (count 0) has no bound to check */
		if (sema_const_int(s, n->rhs, &k) && (k < 0 || (t->count && (uint64_t)k >= t->count))) {
			sema_error(s, n->rhs->loc, "index %lld is out of bounds for %s",
				   (long long)k, type_name(s->a, t));
			return set(n, type_error(s->a));
		}
		if (!sema_in_memory(n->lhs) && !sema_const_int(s, n->rhs, &k)) {
			sema_unsupported(s, n->loc, "a variable index into an array copied to the stack");
			return set(n, type_error(s->a));
		}
		user = sema_in_memory(n->lhs) && mem_user(n->lhs);
	} else {
		sema_error(s, n->loc, "[] needs an array or a pointer, not %s", type_name(s->a, t));
		return set(n, type_error(s->a));
	}
	return set(n, in_space(s, e, user));
}

struct type *sema_check_addr(struct sema *s, struct ast_node *n)
{
	struct type *t = sema_check_expr(s, n->lhs);
	if (is_err(t))
		return set(n, type_error(s->a));
	if (!sema_in_memory(n->lhs)) {
		sema_error(s, n->loc, "& needs a field, *p or a[i] in kernel or user memory");
		return set(n, type_error(s->a));
	}
	struct type *p = type_ptr(s->a, t);
	p->user_ptr = mem_user(n->lhs);
	return set(n, p);
}

/* ------------------------------------------------------------ enumerators */

bool sema_enum_ident(struct sema *s, struct ast_node *n)
{
	if (!kernel_btf())
		return false;
	int64_t v;
	int id;
	if (!kernel_btf_enumerator(n->name, &v, &id))
		return false;
	/* from now on the identifier is its value */
	n->kind = AST_INT;
	n->ival = (uint64_t)v;
	set(n, type_int(s->a, 8, true));
	return true;
}
