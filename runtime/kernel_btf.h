/* Kernel types from BTF (/sys/kernel/btf/vmlinux), parsed once, lazily: a
 * script that never touches kernel types never reads it. */
#ifndef SONDE_KERNEL_BTF_H
#define SONDE_KERNEL_BTF_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/probes/probe.h"

struct btf;

/* vmlinux BTF, or NULL when the kernel has none. */
struct btf *kernel_btf(void);
/* The type of BTF type id as sonde's type (modifiers and typedefs
 * skipped, forward declarations resolved): integers, enums, pointers,
 * records (with their btf_id), arrays (char arrays as strings), void. */
struct type *kernel_btf_type(struct arena *a, const struct btf *btf, int id);
/* The parameters of function prototype proto_id as args fields (builtin =
 * false), each in a u64 slot of the context: the i-th kept parameter at
 * offset 8 * i.  The first skip parameters are dropped (a raw tracepoint's
 * leading void *, which its programs never see). */
int kernel_btf_params(struct arena *a, const struct btf *btf, int proto_id, int skip,
		      struct ctx_field **out);
/* The BTF id of "struct NAME" (kw "struct"), "union NAME", "enum NAME" or
 * the typedef NAME (kw NULL), or -1. */
int kernel_btf_find(const char *kw, const char *name);
/* The closest existing name of that kind, for hints (NULL: none close). */
const char *kernel_btf_closest(const char *kw, const char *name);

/* A member of a struct or union, found also inside anonymous members. */
struct kernel_btf_member {
	uint32_t bit_offset;	/* from the start of the outer record */
	uint32_t bitfield_size;	/* 0: not a bitfield */
	int type_id;
};
bool kernel_btf_member(const struct btf *btf, int rec_id, const char *name,
		       struct kernel_btf_member *out);
/* The member names of a record (inside anonymous members too), for hints. */
int kernel_btf_member_names(const struct btf *btf, int rec_id, const char **out, int max);

/* An enumerator of any kernel enum by name: its value and enum type. */
bool kernel_btf_enumerator(const char *name, int64_t *value, int *type_id);
/* The name of value in enum type_id, or NULL. */
const char *kernel_btf_enumerator_name(int type_id, int64_t value);

/* Names of BTF kind KIND (BTF_KIND_FUNC, BTF_KIND_TYPEDEF) matching a glob,
 * optionally with a prefix stripped; emit gets each stripped name. */
void kernel_btf_names(int kind, const char *prefix, const char *glob,
		      void (*emit)(void *ctx, const char *name), void *ctx);

#endif
