/* Kernel types from BTF (/sys/kernel/btf/vmlinux), parsed once, lazily: a
 * script that never touches kernel types never reads it. */
#ifndef SONDE_KERNEL_BTF_H
#define SONDE_KERNEL_BTF_H

#include <stdbool.h>

#include "runtime/probes/probe.h"

struct btf;

/* vmlinux BTF, or NULL when the kernel has none. */
struct btf *kernel_btf(void);
/* The type of BTF type id as sonde's type (modifiers and typedefs
 * skipped): integers, enums, pointers, records, arrays. */
struct type *kernel_btf_type(struct arena *a, const struct btf *btf, int id);
/* The parameters of function prototype proto_id as args fields (builtin =
 * false), each in a u64 slot of the context: the i-th kept parameter at
 * offset 8 * i.  The first skip parameters are dropped (a raw tracepoint's
 * leading void *, which its programs never see). */
int kernel_btf_params(struct arena *a, const struct btf *btf, int proto_id, int skip,
		      struct ctx_field **out);
/* Names of BTF kind KIND (BTF_KIND_FUNC, BTF_KIND_TYPEDEF) matching a glob,
 * optionally with a prefix stripped; emit gets each stripped name. */
void kernel_btf_names(int kind, const char *prefix, const char *glob,
		      void (*emit)(void *ctx, const char *name), void *ctx);

#endif
