/* Formal parameters of a function from its DWARF, with libdw.  The debug
 * info of a file stays open between calls (a wildcard asks for hundreds of
 * functions of one binary); the compilation unit is found through the
 * address ranges, so a big binary is not walked once per function. */
#define _GNU_SOURCE
#include "runtime/dwarf_args.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The System V x86-64 integer argument registers. */
#define NREGS 6

struct dwarf_handle {
	char *path;
	int fd;
	Dwarf *dbg;	  /* NULL: the file has no debug info (remembered too) */
	bool has_aranges; /* CUs are found by address; else every CU is searched */
	struct dwarf_handle *next;
};

static struct dwarf_handle *handles;

static Dwarf *open_dwarf(const char *path, int *fdp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Dwarf *dbg = dwarf_begin(fd, DWARF_C_READ);
	if (!dbg) {
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return dbg;
}

static struct dwarf_handle *dwarf_for(const char *path, const char *build_id)
{
	for (struct dwarf_handle *h = handles; h; h = h->next)
		if (!strcmp(h->path, path))
			return h;
	struct dwarf_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->path = strdup(path);
	if (!h->path) {
		free(h);
		return NULL;
	}
	h->fd = -1;
	h->dbg = open_dwarf(path, &h->fd);
	if (!h->dbg && build_id && strlen(build_id) > 2) {
		char *dbgpath;
		if (asprintf(&dbgpath, "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
			     build_id + 2) >= 0) {
			h->dbg = open_dwarf(dbgpath, &h->fd);
			free(dbgpath);
		}
	}
	Dwarf_Aranges *ar;
	size_t nar;
	h->has_aranges = h->dbg && dwarf_getaranges(h->dbg, &ar, &nar) == 0 && nar > 0;
	h->next = handles;
	handles = h;
	return h;
}

void dwarf_args_cache_clear(void)
{
	while (handles) {
		struct dwarf_handle *next = handles->next;
		if (handles->dbg)
			dwarf_end(handles->dbg);
		if (handles->fd >= 0)
			close(handles->fd);
		free(handles->path);
		free(handles);
		handles = next;
	}
}

/* ------------------------------------------------------------ the function */

struct find {
	const char *name;
	uint64_t addr;
	Dwarf_Die die;
	int quality; /* 3: name and entry address match, 2: the entry address
		      * (the symbol is an alias), 1: the name only */
};

static bool die_named(Dwarf_Die *die, const char *name)
{
	Dwarf_Attribute attr;
	const char *n = dwarf_diename(die);
	if (n && !strcmp(n, name))
		return true;
	n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	return n && !strcmp(n, name);
}

static int find_cb(Dwarf_Die *die, void *arg)
{
	struct find *f = arg;
	if (dwarf_hasattr(die, DW_AT_declaration))
		return DWARF_CB_OK;
	Dwarf_Addr lo;
	bool at = f->addr && dwarf_lowpc(die, &lo) == 0 && lo == f->addr;
	bool named = die_named(die, f->name);
	int q = at && named ? 3 : at ? 2 : named ? 1 : 0;
	if (q > f->quality) {
		f->die = *die;
		f->quality = q;
	}
	return q == 3 ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* The compilation unit holding addr, through the address ranges; a file
 * without them is searched CU by CU (slow on a big file, but rare). */
static bool find_function(struct dwarf_handle *h, const char *name, uint64_t addr, Dwarf_Die *out)
{
	struct find f = {.name = name, .addr = addr};
	Dwarf_Die cu;
	if (h->has_aranges) {
		if (addr && dwarf_addrdie(h->dbg, addr, &cu))
			dwarf_getfuncs(&cu, find_cb, &f, 0);
	} else {
		Dwarf_Off off = 0, next;
		size_t hsize;
		while (f.quality < 3 &&
		       dwarf_nextcu(h->dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
			if (dwarf_offdie(h->dbg, off + hsize, &cu))
				dwarf_getfuncs(&cu, find_cb, &f, 0);
			off = next;
		}
	}
	if (!f.quality)
		return false;
	*out = f.die;
	return true;
}

/* ------------------------------------------------------------------ types */

static bool die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, out);
}

static Dwarf_Word die_udata(Dwarf_Die *die, int name, Dwarf_Word dflt)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;
	if (dwarf_attr_integrate(die, name, &attr) && !dwarf_formudata(&attr, &v))
		return v;
	return dflt;
}

/* bpftrace's spelling: "const char*", "short unsigned int", "struct pair". */
static char *ctype_name(struct arena *a, Dwarf_Die *die, bool has_type, int depth)
{
	if (!has_type)
		return arena_strdup(a, "void");
	if (depth > 16)
		return arena_strdup(a, "?");
	const char *n = dwarf_diename(die);
	Dwarf_Die inner;
	bool hi = die_type(die, &inner);
	switch (dwarf_tag(die)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		if (hi && dwarf_tag(&inner) == DW_TAG_subroutine_type)
			return arena_strdup(a, "void (*)()");
		return arena_printf(a, "%s*", ctype_name(a, &inner, hi, depth + 1));
	case DW_TAG_const_type:
		return arena_printf(a, "const %s", ctype_name(a, &inner, hi, depth + 1));
	case DW_TAG_volatile_type:
		return arena_printf(a, "volatile %s", ctype_name(a, &inner, hi, depth + 1));
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return ctype_name(a, &inner, hi, depth + 1);
	case DW_TAG_structure_type:
		return arena_printf(a, "struct %s", n ? n : "(anonymous)");
	case DW_TAG_union_type:
		return arena_printf(a, "union %s", n ? n : "(anonymous)");
	case DW_TAG_enumeration_type:
		return arena_printf(a, "enum %s", n ? n : "(anonymous)");
	case DW_TAG_array_type:
		return arena_printf(a, "%s[]", ctype_name(a, &inner, hi, depth + 1));
	default:
		return arena_strdup(a, n ? n : "?");
	}
}

/* Strips typedefs and qualifiers. */
static bool peel(Dwarf_Die *die, bool has, Dwarf_Die *out)
{
	*out = *die;
	for (int i = 0; has && i < 32; i++) {
		int tag = dwarf_tag(out);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type)
			return true;
		Dwarf_Die next;
		if (!die_type(out, &next))
			return false; /* "const void" */
		*out = next;
	}
	return has;
}

static struct type *record_type(struct arena *a, const char *name)
{
	struct type *t = type_new(a, TY_RECORD);
	t->name = name;
	t->align = 1;
	return t;
}

/* The type of a value in memory a pointer points to. */
static struct type *pointee_type(struct arena *a, Dwarf_Die *die, bool has, int depth)
{
	Dwarf_Die t;
	if (!peel(die, has, &t) || depth > 8)
		return type_void(a);
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type: {
		Dwarf_Word enc = die_udata(&t, DW_AT_encoding, DW_ATE_signed);
		Dwarf_Word size = die_udata(&t, DW_AT_byte_size, 8);
		if (enc == DW_ATE_float || (size != 1 && size != 2 && size != 4 && size != 8))
			return type_void(a);
		return type_int(a, (uint32_t)size,
				enc == DW_ATE_signed || enc == DW_ATE_signed_char);
	}
	case DW_TAG_enumeration_type:
		return type_int(a, (uint32_t)die_udata(&t, DW_AT_byte_size, 4), false);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type: {
		Dwarf_Die inner;
		bool hi = die_type(&t, &inner);
		struct type *p = type_ptr(a, pointee_type(a, &inner, hi, depth + 1));
		p->user_ptr = true;
		return p;
	}
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		return record_type(a, ctype_name(a, &t, true, 0));
	default:
		return type_void(a);
	}
}

/* One parameter: its type, or why it is not supported, and how many
 * argument registers it takes. */
static void param_type(struct arena *a, Dwarf_Die *tdie, bool has, struct dwarf_param *p,
		       int *nregs)
{
	Dwarf_Die t;
	*nregs = 1;
	if (!peel(tdie, has, &t)) {
		p->unsupported = arena_printf(a, "its type %s is not supported yet", p->ctype);
		return;
	}
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type: {
		Dwarf_Word enc = die_udata(&t, DW_AT_encoding, DW_ATE_signed);
		Dwarf_Word size = die_udata(&t, DW_AT_byte_size, 8);
		if (enc == DW_ATE_float || enc == DW_ATE_complex_float) {
			*nregs = 0; /* passed in an SSE register */
			p->unsupported = arena_printf(a, "floating-point arguments (%s) are not supported yet",
						      p->ctype);
			return;
		}
		if (size != 1 && size != 2 && size != 4 && size != 8) {
			*nregs = size > 8 ? 2 : 1;
			p->unsupported = arena_printf(a, "arguments of type %s are not supported yet",
						      p->ctype);
			return;
		}
		p->type = type_int(a, (uint32_t)size, enc == DW_ATE_signed || enc == DW_ATE_signed_char);
		return;
	}
	case DW_TAG_enumeration_type: {
		Dwarf_Word size = die_udata(&t, DW_AT_byte_size, 4);
		Dwarf_Die under;
		bool is_signed = false;
		if (die_type(&t, &under) && peel(&under, true, &under))
			is_signed = die_udata(&under, DW_AT_encoding, DW_ATE_unsigned) == DW_ATE_signed;
		p->type = type_int(a, size == 1 || size == 2 || size == 8 ? (uint32_t)size : 4, is_signed);
		return;
	}
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		Dwarf_Die inner;
		bool hi = die_type(&t, &inner);
		p->type = type_ptr(a, pointee_type(a, &inner, hi, 0));
		p->type->user_ptr = true;
		return;
	}
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type: {
		Dwarf_Word size;
		if (dwarf_aggregate_size(&t, &size))
			size = 0;
		/* at most two eightbytes travel in registers (integer ones
		 * assumed); larger aggregates go on the stack */
		*nregs = size > 16 ? 0 : size > 8 ? 2 : 1;
		p->unsupported = arena_printf(a, "%s is passed by value, which is not supported yet",
					      p->ctype);
		return;
	}
	default:
		p->unsupported = arena_printf(a, "its type %s is not supported yet", p->ctype);
		return;
	}
}

int dwarf_func_params(struct arena *a, const char *path, const char *build_id, const char *func,
		      uint64_t addr, struct dwarf_param **out)
{
	*out = NULL;
	struct dwarf_handle *h = dwarf_for(path, build_id);
	if (!h || !h->dbg)
		return -ENODATA;
	Dwarf_Die fn;
	if (!find_function(h, func, addr, &fn))
		return -ENOENT;

	int n = 0;
	Dwarf_Die child;
	if (dwarf_child(&fn, &child) == 0) {
		do {
			n += dwarf_tag(&child) == DW_TAG_formal_parameter;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	struct dwarf_param *ps = arena_alloc(a, (n ? n : 1) * sizeof(*ps));
	int k = 0, reg = 0;
	if (n && dwarf_child(&fn, &child) == 0) {
		do {
			if (dwarf_tag(&child) != DW_TAG_formal_parameter || k >= n)
				continue;
			struct dwarf_param *p = &ps[k++];
			const char *name = dwarf_diename(&child);
			p->name = arena_strdup(a, name ? name : "");
			Dwarf_Die tdie;
			bool has = die_type(&child, &tdie);
			p->ctype = ctype_name(a, &tdie, has, 0);
			int nregs;
			param_type(a, &tdie, has, p, &nregs);
			if (nregs && reg + nregs <= NREGS) {
				p->reg = reg;
				reg += nregs;
			} else {
				/* an aggregate that does not fit goes on the stack
				 * whole; later scalars still take free registers */
				p->reg = -1;
				if (!p->unsupported)
					p->unsupported = arena_printf(
						a, "it is passed on the stack, which is not supported yet");
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	*out = ps;
	return k;
}
