/* The line info records of one function, read from the object's .BTF.ext
 * with libelf (see bpf_line_info.h).  The object is the one codegen made:
 * line info records are sorted by instruction within a section. */
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/bpf_line_info.h"

struct btf_strings {
	const char *s;
	uint32_t len;
};

static const char *btf_str(const struct btf_strings *t, uint32_t off)
{
	return off < t->len ? t->s + off : "";
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static Elf_Data *section_data(Elf *e, size_t shstrndx, const char *name)
{
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(n, name))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* The section and offset in it of the function fn. */
static bool symbol_place(Elf *e, size_t shstrndx, const char *fn, const char **sec,
			 uint64_t *off)
{
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? d->d_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			if (!gelf_getsym(d, (int)i, &sym) ||
			    !(name = elf_strptr(e, sh.sh_link, sym.st_name)) || strcmp(name, fn))
				continue;
			Elf_Scn *target = elf_getscn(e, sym.st_shndx);
			GElf_Shdr tsh;
			if (!target || !gelf_getshdr(target, &tsh))
				return false;
			*sec = elf_strptr(e, shstrndx, tsh.sh_name);
			*off = sym.st_value;
			return *sec != NULL;
		}
	}
	return false;
}

struct bpf_line *bpf_line_info(const void *elf, size_t len, const char *fn, size_t *n)
{
	struct bpf_line *out = NULL;
	size_t count = 0, cap = 0;
	*n = 0;
	if (!elf || !len || !fn || elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	Elf *e = elf_memory((char *)elf, len);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto out;
	const char *sec;
	uint64_t fn_off;
	if (!symbol_place(e, shstrndx, fn, &sec, &fn_off))
		goto out;
	Elf_Data *btf = section_data(e, shstrndx, ".BTF");
	Elf_Data *ext = section_data(e, shstrndx, ".BTF.ext");
	if (!btf || !ext || btf->d_size < 24 || ext->d_size < 32)
		goto out;

	/* .BTF: magic, version, flags, hdr_len, type_off/len, str_off/len */
	const unsigned char *b = btf->d_buf;
	uint32_t hdr = get32(b + 4), str_off = get32(b + 16), str_len = get32(b + 20);
	if ((uint64_t)hdr + str_off + str_len > btf->d_size)
		goto out;
	struct btf_strings strs = {(const char *)b + hdr + str_off, str_len};

	/* .BTF.ext: magic, version, flags, hdr_len, func_info off/len,
	 * line_info off/len (offsets after the header) */
	const unsigned char *x = ext->d_buf;
	uint32_t xhdr = get32(x + 4), li_off = get32(x + 16), li_len = get32(x + 20);
	if ((uint64_t)xhdr + li_off + li_len > ext->d_size || li_len < 4)
		goto out;
	const unsigned char *p = x + xhdr + li_off, *end = p + li_len;
	uint32_t rec = get32(p);
	p += 4;
	if (rec < 16)
		goto out;
	while (p + 8 <= end) {
		uint32_t name_off = get32(p), nrec = get32(p + 4);
		p += 8;
		if ((uint64_t)nrec * rec > (uint64_t)(end - p))
			break;
		bool ours = !strcmp(btf_str(&strs, name_off), sec);
		for (uint32_t i = 0; ours && i < nrec; i++) {
			const unsigned char *r = p + (size_t)i * rec;
			uint32_t insn_off = get32(r), line_col = get32(r + 12);
			if (insn_off < fn_off || !(line_col >> 10))
				continue;
			if (count == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct bpf_line *t = realloc(out, ncap * sizeof(*t));
				if (!t)
					goto out;
				out = t;
				cap = ncap;
			}
			out[count++] = (struct bpf_line){(long)((insn_off - fn_off) / 8),
							 (int)(line_col >> 10),
							 (int)(line_col & 0x3ff)};
		}
		p += (size_t)nrec * rec;
	}
out:
	if (e)
		elf_end(e);
	if (!count) {
		free(out);
		return NULL;
	}
	*n = count;
	return out;
}

const struct bpf_line *bpf_line_at(const struct bpf_line *lines, size_t n, long insn)
{
	const struct bpf_line *best = NULL;
	for (size_t i = 0; i < n && lines[i].insn <= insn; i++)
		best = &lines[i];
	return best;
}
