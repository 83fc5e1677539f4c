/* printf formats as bpftrace accepts them: flags "-+ #0", a width, a
 * precision, length modifiers (accepted and ignored: every integer is 64-bit
 * here) and the conversions d i u x X o s c p, plus %% and bpftrace's
 * buffer conversions %r, %rx, %rh. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernel_btf.h"
#include "runtime/output.h"
#include "stdlib/format.h"
#include "stdlib/special.h"

/* Parses the specifier at fmt[i] (just after '%'); returns its length past
 * the '%' or -1. */
static int spec_parse(const char *fmt, size_t i, struct fmt_spec *sp)
{
	size_t j = i;
	char flags[8];
	int nflags = 0;
	while (fmt[j] && strchr("-+ #0", fmt[j])) {
		if (nflags < 7)
			flags[nflags++] = fmt[j];
		j++;
	}
	flags[nflags] = 0;
	size_t wstart = j;
	while (fmt[j] >= '0' && fmt[j] <= '9')
		j++;
	size_t wlen = j - wstart;
	size_t pstart = j, plen = 0;
	if (fmt[j] == '.') {
		j++;
		while (fmt[j] >= '0' && fmt[j] <= '9')
			j++;
		plen = j - pstart;
	}
	while (fmt[j] && strchr("hlLqjzt", fmt[j]))
		j++;
	char c = fmt[j];
	if (!c || !strchr("diuxXoscpr", c))
		return -1;
	if (wlen > 4 || plen > 5)
		return -1;
	sp->conv = c;
	sp->arg = c == 's' ? FMT_ARG_STR : FMT_ARG_INT;
	sp->hex = 0;
	if (c == 'r') {
		/* %r, %rx, %rh: a buffer, escaped, all hex, spaced hex */
		sp->arg = FMT_ARG_BUF;
		if (fmt[j + 1] == 'x' || fmt[j + 1] == 'h')
			sp->hex = fmt[++j];
		snprintf(sp->cfmt, sizeof(sp->cfmt), "%%%s%.*ss", flags, (int)wlen, fmt + wstart);
		return (int)(j - i + 1);
	}
	const char *len = "";
	char conv = c;
	switch (c) {
	case 'd': case 'i': len = PRId64; conv = 0; break;
	case 'u': len = PRIu64; conv = 0; break;
	case 'x': len = PRIx64; conv = 0; break;
	case 'X': len = PRIX64; conv = 0; break;
	case 'o': len = PRIo64; conv = 0; break;
	default: break;
	}
	snprintf(sp->cfmt, sizeof(sp->cfmt), "%%%s%.*s%.*s%s%.1s", flags, (int)wlen, fmt + wstart,
		 (int)plen, fmt + pstart, len, conv ? &conv : "");
	return (int)(j - i + 1);
}

int fmt_check(const char *fmt, struct type **args, int nargs, const char **err, int *err_arg)
{
	int n = 0;
	*err_arg = -1;
	for (size_t i = 0; fmt[i]; i++) {
		if (fmt[i] != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		struct fmt_spec sp;
		int k = spec_parse(fmt, i + 1, &sp);
		size_t e = i + 1;
		while (fmt[e] && strchr("-+ #0123456789.", fmt[e]))
			e++;
		if (k < 0 && !fmt[i + 1]) {
			*err = "a '%' ends the format: write %% for a percent sign";
			return -1;
		}
		if (k < 0 && fmt[e] == '*') {
			*err = "a width or precision taken from an argument (*) is not supported: "
			       "write the number in the format";
			return -1;
		}
		if (k < 0) {
			*err = "invalid format specifier (supported: %d %i %u %x %X %o %s %c %p "
			       "%r %rx %rh, with flags, width and precision)";
			return -1;
		}
		if (n >= nargs) {
			*err = "the format has more specifiers than arguments";
			*err_arg = -2;
			return -1;
		}
		const struct type *t = args[n];
		if (sp.arg == FMT_ARG_BUF && !(t->kind == TY_SPECIAL && t->special == SP_BUF)) {
			*err = "%r needs a buffer argument, from buf()";
			*err_arg = n;
			return -1;
		}
		if (t->kind == TY_SPECIAL) {
			if (sp.arg == FMT_ARG_INT) {
				*err = "this specifier needs an integer argument";
				*err_arg = n;
				return -1;
			}
			n++;
			i += (size_t)k;
			continue;
		}
		bool is_str = t->kind == TY_STRING;
		bool is_int = t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PROBE ||
			      t->kind == TY_PTR;
		bool is_enum = t->kind == TY_INT && t->btf_id > 0;	/* %s: its enumerator */
		if (sp.arg == FMT_ARG_STR && !is_str && !is_enum && t->kind != TY_PROBE) {
			*err = "%s needs a string argument";
			*err_arg = n;
			return -1;
		}
		if (sp.arg == FMT_ARG_INT && !is_int) {
			*err = "this specifier needs an integer argument";
			*err_arg = n;
			return -1;
		}
		n++;
		i += (size_t)k;
	}
	if (n < nargs) {
		*err = "the format has fewer specifiers than arguments";
		*err_arg = -2;
		return -1;
	}
	return n;
}

static int64_t load_int(const struct type *t, const uint8_t *p)
{
	switch (t->size) {
	case 1: return t->is_signed ? *(const int8_t *)p : *p;
	case 2: { uint16_t u; memcpy(&u, p, 2); return t->is_signed ? (int64_t)(int16_t)u : (int64_t)u; }
	case 4: { uint32_t u; memcpy(&u, p, 4); return t->is_signed ? (int64_t)(int32_t)u : (int64_t)u; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

void fmt_print(struct output *o, const char *fmt, const struct type *args, const uint8_t *data)
{
	FILE *out = o->out;
	int n = 0;
	for (size_t i = 0; fmt[i]; i++) {
		if (fmt[i] != '%') {
			size_t j = i;
			while (fmt[j] && fmt[j] != '%')
				j++;
			fwrite(fmt + i, 1, j - i, out);
			i = j - 1;
			continue;
		}
		if (fmt[i + 1] == '%') {
			fputc('%', out);
			i++;
			continue;
		}
		struct fmt_spec sp;
		int k = spec_parse(fmt, i + 1, &sp);
		if (k < 0 || !args || n >= args->nfields)
			return;
		const struct type *t = args->fields[n];
		const uint8_t *p = data + args->offsets[n];
		n++;
		i += (size_t)k;
		if (t->kind == TY_PROBE) {
			uint64_t id;
			memcpy(&id, p, 8);
			const char *name = id < (uint64_t)o->nprobe_names ? o->probe_names[id] : "?";
			if (sp.conv == 's')
				fprintf(out, sp.cfmt, name);
			else
				fprintf(out, sp.cfmt, (int64_t)id);
			continue;
		}
		if (t->kind == TY_SPECIAL) {
			if (sp.arg == FMT_ARG_BUF) {
				special_print_buf(o, t, p, sp.hex);
				continue;
			}
			char *text = special_text(o, t, p, false);
			fprintf(out, sp.cfmt, text ? text : "");
			free(text);
			continue;
		}
		if (t->kind == TY_STRING) {
			char buf[4097];
			size_t len = strnlen((const char *)p, t->size < 4096 ? t->size : 4096);
			memcpy(buf, p, len);
			buf[len] = 0;
			fprintf(out, sp.cfmt, buf);
			continue;
		}
		int64_t v = load_int(t, p);
		if (sp.conv == 's') {
			/* an enum: its enumerator's name, or the number if it has none */
			const char *name = t->btf_id > 0 ? kernel_btf_enumerator_name(t->btf_id, v) : NULL;
			char num[24];
			if (!name) {
				snprintf(num, sizeof(num), "%" PRId64, v);
				name = num;
			}
			fprintf(out, sp.cfmt, name);
			continue;
		}
		if (sp.conv == 'c')
			fprintf(out, sp.cfmt, (int)(char)v);
		else if (sp.conv == 'p')
			fprintf(out, sp.cfmt, (void *)(uintptr_t)v);
		else
			fprintf(out, sp.cfmt, v);
	}
}

void stdlib_copy_stream(FILE *in, FILE *out)
{
	char buf[4096];
	size_t k;
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, k, out);
}
