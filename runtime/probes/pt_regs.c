#include <stddef.h>
#include <string.h>

#include "runtime/probes/pt_regs.h"

/* The kernel's struct pt_regs on x86-64, as BPF kprobe and uprobe programs
 * see it. */
static const struct { const char *name; int offset; } regs[] = {
	{"r15", 0},  {"r14", 8},   {"r13", 16},  {"r12", 24},  {"bp", 32},	 {"bx", 40},
	{"r11", 48}, {"r10", 56},  {"r9", 64},	 {"r8", 72},   {"ax", 80},	 {"cx", 88},
	{"dx", 96},  {"si", 104},  {"di", 112},  {"orig_ax", 120}, {"ip", 128}, {"cs", 136},
	{"flags", 144}, {"sp", 152}, {"ss", 160},
};

int pt_regs_offset(const char *reg)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (!strcmp(regs[i].name, reg))
			return regs[i].offset;
	return -1;
}

void pt_regs_context(struct arena *a, struct attach_point *ap, bool retval)
{
	/* the System V calling convention's integer argument registers */
	static const char *const argregs[] = {"di", "si", "dx", "cx", "r8", "r9"};
	int n = 6 + (retval ? 1 : 0);
	struct ctx_field *f = arena_alloc(a, sizeof(*f) * (size_t)n);
	for (int i = 0; i < 6; i++) {
		f[i].name = arena_printf(a, "arg%d", i);
		f[i].type = type_int(a, 8, false);
		f[i].offset = (uint32_t)pt_regs_offset(argregs[i]);
		f[i].builtin = true;
	}
	if (retval) {
		f[6].name = "retval";
		f[6].type = type_int(a, 8, true);
		f[6].offset = (uint32_t)pt_regs_offset("ax");
		f[6].builtin = true;
	}
	ap->fields = f;
	ap->nfields = n;
}
