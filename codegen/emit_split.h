/* Emitting a big script's programs on several cores (codegen/emit_split.c). */
#ifndef SONDE_CODEGEN_EMIT_SPLIT_H
#define SONDE_CODEGEN_EMIT_SPLIT_H

#include <stddef.h>

#include "codegen/codegen.h"

#define CG_UNITS_MAX 8

/* Optimises cg->u's module and emits it as an ELF object (malloc'd); 0 on
 * success.  arg is the caller's. */
typedef int (*cg_emit_fn)(struct codegen *cg, void *arg, void **elf, size_t *len);

/* How many units to build a script of nprogs programs as: 1 when it is
 * too small to gain from more. */
int cg_split_units(int nprogs);

/* unit_of[i]: the unit of program i, the units' weights even. */
void cg_split_assign(const unsigned *weight, int n, int units, int *unit_of);

/* Emits the n units, each on its own thread with emit, and links them
 * into one object in *elf (malloc'd): 0, or -1 with the units' errors
 * reported. */
int cg_emit_units(struct codegen *cg, struct cg_unit *units, int n, cg_emit_fn emit,
		  void *emit_arg, void **elf, size_t *len);

#endif
