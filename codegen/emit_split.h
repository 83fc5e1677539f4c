/* Emitting a big module's programs on several cores (codegen/emit_split.c). */
#ifndef SONDE_CODEGEN_EMIT_SPLIT_H
#define SONDE_CODEGEN_EMIT_SPLIT_H

#include <stddef.h>

#include "codegen/codegen.h"

/* Optimises cg's module and emits it as an ELF object (malloc'd); 0 on
 * success.  arg is the caller's. */
typedef int (*cg_emit_fn)(struct codegen *cg, void *arg, void **elf, size_t *len);

/* Emits cg's programs split over several processes and links the parts
 * into one object in *elf (malloc'd): 0.  1 when the module is too small to
 * gain from it or anything failed: the module is as it was, for the caller
 * to emit in one piece. */
int cg_emit_split(struct codegen *cg, cg_emit_fn emit, void *arg, void **elf, size_t *len);

#endif
