/* libbpf's messages, kept quiet unless something fails.  A verifier
 * rejection is reported at the script line and column its failing
 * instruction came from: the instruction's index is in the verifier's log,
 * and the object's BTF line info (codegen attaches a debug location to what
 * it emits) maps it back to the script.  Then a sentence on what to change,
 * and the verifier's last lines. */
#include <ctype.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ast/diag.h"
#include "ast/sema.h"
#include "runtime/verifier_log.h"

static char *log_buf;
static size_t log_len, log_cap;
static int verbose;
/* The verifier writes its log here, for every program of the object (libbpf
 * asks for it only when a load fails, and one load fails at most).  Given
 * to libbpf rather than left to its default: the kernel keeps the log's end
 * when it is too long, where the default's growth ends in EFAULT on a
 * program that runs the verifier to its million instructions. */
#define PROG_LOG_SIZE (4u << 20)
static char *prog_log;

static void log_append(const char *s, size_t k)
{
	if (log_len + k + 1 > log_cap) {
		size_t cap = (log_cap ? log_cap * 2 : 65536);
		while (cap < log_len + k + 1)
			cap *= 2;
		char *b = realloc(log_buf, cap);
		if (!b)
			return;
		log_buf = b;
		log_cap = cap;
	}
	memcpy(log_buf + log_len, s, k);
	log_len += k;
	log_buf[log_len] = 0;
}

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char tmp[4096];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, copy);
	va_end(copy);
	if (verbose)
		fputs(tmp, stderr);
	/* kept (not shown) so that a failed load can be reported at its
	 * script location, -vv or not */
	if (n > 0 && level != LIBBPF_DEBUG)
		log_append(tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
	return n;
}

void verifier_log_verbose(int on)
{
	verbose = on;
	libbpf_set_print(on_libbpf_print);
}

void verifier_log_start(struct bpf_object *obj)
{
	libbpf_set_print(on_libbpf_print);
	log_len = 0;
	if (log_buf)
		log_buf[0] = 0;
	free(prog_log);
	prog_log = obj ? malloc(PROG_LOG_SIZE) : NULL;
	if (!prog_log)
		return;
	prog_log[0] = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, prog_log, PROG_LOG_SIZE);
}

void verifier_log_stop(struct bpf_object *obj)
{
	free(log_buf);
	log_buf = NULL;
	log_len = log_cap = 0;
	free(prog_log);
	prog_log = NULL;
}

/* The program whose load failed: libbpf names it in "prog 'prog_N': ". */
static const struct sema_prog *failed_prog(const struct sema_program *sp)
{
	const char *p = log_buf ? strstr(log_buf, "prog 'prog_") : NULL;
	if (!p)
		return NULL;
	int idx = atoi(p + strlen("prog 'prog_"));
	return idx >= 0 && idx < sp->nprogs ? sp->progs[idx] : NULL;
}

/* ------------------------------------------- failing instruction -> script */

/* The instruction the verifier stopped at: the one named in "... at insn N"
 * when the message says so, else the last "N: (op) ..." line it printed. */
static long failing_insn(const char *log, const char *end)
{
	long last = -1;
	for (const char *line = log; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		const char *p = line;
		if (isdigit((unsigned char)*p)) {
			long v = strtol(p, (char **)&p, 10);
			if (p + 3 < eol && p[0] == ':' && p[1] == ' ' && p[2] == '(')
				last = v;
		}
		for (const char *at = line; at + 8 < eol; at++)
			if (!strncmp(at, " at insn ", 9) && isdigit((unsigned char)at[9])) {
				last = strtol(at + 9, NULL, 10);
				break;
			}
		line = eol + 1;
	}
	return last;
}

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

static Elf_Data *section_data(Elf *e, size_t shstrndx, const char *name, Elf_Scn **found)
{
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(n, name)) {
			if (found)
				*found = scn;
			return elf_getdata(scn, NULL);
		}
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

/* Line and column of the instruction insn of function fn, from the line
 * info in .BTF.ext: the last record at or before the instruction. */
static bool insn_location(const void *elf, size_t len, const char *fn, long insn,
			  struct src_loc *out)
{
	bool ok = false;
	if (!elf || !len || !fn || insn < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return false;
	Elf *e = elf_memory((char *)elf, len);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto out;
	const char *sec;
	uint64_t fn_off;
	if (!symbol_place(e, shstrndx, fn, &sec, &fn_off))
		goto out;
	Elf_Data *btf = section_data(e, shstrndx, ".BTF", NULL);
	Elf_Data *ext = section_data(e, shstrndx, ".BTF.ext", NULL);
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
	uint64_t want = fn_off + (uint64_t)insn * 8;
	while (p + 8 <= end) {
		uint32_t name_off = get32(p), n = get32(p + 4);
		p += 8;
		if ((uint64_t)n * rec > (uint64_t)(end - p))
			break;
		bool ours = !strcmp(btf_str(&strs, name_off), sec);
		for (uint32_t i = 0; ours && i < n; i++) {
			const unsigned char *r = p + (size_t)i * rec;
			uint32_t insn_off = get32(r), line_col = get32(r + 12);
			if (insn_off < fn_off || insn_off > want)
				continue;
			if (line_col >> 10) {
				out->line = out->end_line = (int)(line_col >> 10);
				out->col = out->end_col = (int)(line_col & 0x3ff);
				ok = true;
			}
		}
		p += (size_t)n * rec;
	}
out:
	if (e)
		elf_end(e);
	return ok;
}

/* ----------------------------------------------------------- the advice */

/* What the verifier said, as a sentence on what to change in the script. */
static const char *advice(const char *log)
{
	static const struct {
		const char *needle, *advice;
	} table[] = {
		{"infinite loop detected",
		 "this loop never ends as far as the verifier can tell: give it a condition that "
		 "becomes false (while ($i < 100) { ...; $i++; }) or a fixed count "
		 "(for ($i : 0..100), unroll(N))"},
		{"back-edge from insn",
		 "this loop needs a bound the verifier can see: a counter compared with a constant "
		 "(while ($i < 100)), or for ($i : 0..100)"},
		{"jumps is too complex",
		 "the verifier follows every turn of this loop, and its bound is not a constant "
		 "(a map value, an argument): add a constant bound too "
		 "(while ($i < @n && $i < 1000))"},
		{"BPF program is too large",
		 "the verifier gave up on a program this long: lower the loop bounds or unroll "
		 "counts here, or split the work over several probes"},
		{"too many states",
		 "the verifier gave up on a program this long: lower the loop bounds or unroll "
		 "counts here, or split the work over several probes"},
		{"combined stack size",
		 "the program needs more than the kernel's 512 bytes of stack: use fewer or "
		 "shorter strings and tuples in this probe"},
		{"stack limit",
		 "the program needs more than the kernel's 512 bytes of stack: use fewer or "
		 "shorter strings and tuples in this probe"},
		{"min value is negative",
		 "a value used as an index or a size may be negative: check it first "
		 "(if ($i >= 0 && $i < N) { ... })"},
		{"unbounded memory access",
		 "a value used as an index or a size has no upper bound: check it first "
		 "(if ($i < N) { ... })"},
		{"invalid access to map value",
		 "an index into a map value or buffer is out of its bounds: check it first "
		 "(if ($i < N) { ... })"},
		{"unknown func",
		 "this kernel does not offer a helper this function needs in this probe type: "
		 "use another probe type or leave the function out"},
		{"not allowed in",
		 "this kernel does not offer a helper this function needs in this probe type: "
		 "use another probe type or leave the function out"},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strstr(log, table[i].needle))
			return table[i].advice;
	return NULL;
}

/* The verifier's own message: the first line after the last instruction
 * it printed that is not register state. */
static void verifier_message(const char *start, const char *end, char *out, size_t size)
{
	const char *msg = NULL;
	for (const char *line = start; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		const char *p = line;
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)*p))
				p++;
			if (*p == ':') {	/* "12: (85) ..." or "12: R1=..." */
				msg = NULL;
				line = eol + 1;
				continue;
			}
		}
		if (!msg && eol > line && *line != ';' && strncmp(line, "from ", 5) &&
		    strncmp(line, "processed ", 10))
			msg = line;
		line = eol + 1;
	}
	out[0] = 0;
	if (msg) {
		const char *eol = memchr(msg, '\n', (size_t)(end - msg));
		size_t n = (size_t)((eol ? eol : end) - msg);
		snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), msg);
	}
}

void verifier_log_report(struct bpf_object *obj, const struct sema_program *sp, int err)
{
	const struct sema_prog *p = failed_prog(sp);
	/* the verifier's log: ours, or (when libbpf used its own buffer)
	 * what libbpf printed of it */
	char *start = NULL, *end = NULL;
	if (prog_log && prog_log[0]) {
		start = prog_log;
		end = prog_log + strnlen(prog_log, PROG_LOG_SIZE - 1);
		*end = 0;
		if (verbose)
			fprintf(stderr, "-- the verifier's log --\n%s-- end of the verifier's log --\n",
				prog_log);
	} else if (log_buf && (start = strstr(log_buf, "-- BEGIN PROG LOAD LOG --\n")) &&
		   (end = strstr(start, "-- END PROG LOAD LOG --"))) {
		start += strlen("-- BEGIN PROG LOAD LOG --\n");
	} else {
		start = end = NULL;
	}
	if (p && p->provider->load_failure && !start) {
		fprintf(stderr, "sonde: cannot load %s: %s\n", p->aps[0]->name,
			p->provider->load_failure);
		verifier_log_stop(obj);
		return;
	}

	if (p && start) {
		char msg[256];
		verifier_message(start, end, msg, sizeof(msg));
		struct src_loc loc = p->probe->loc;
		bool exact = insn_location(sp->elf, sp->elf_len, p->fn_name,
					   failing_insn(start, end), &loc);
		struct diags d;
		diag_init(&d, sp->src, stderr);
		diag_error(&d, loc, "the kernel's verifier rejected the program of %s%s%s%s",
			   p->aps[0]->name, exact ? " here" : "", msg[0] ? ": " : "", msg);
		char save = *end;
		*end = 0;
		const char *a = advice(start);
		*end = save;
		if (a)
			diag_hint(&d, "%s", a);
		else
			diag_hint(&d, "sonde should not have made a program the verifier rejects: "
				  "please report this script and the lines below");
	} else if (p) {
		fprintf(stderr, "sonde: the kernel rejected the program of %s (line %d): %s\n",
			p->aps[0]->name, p->probe->loc.line, strerror(err));
	} else {
		fprintf(stderr, "sonde: cannot load the BPF programs: %s\n", strerror(err));
	}
	/* The verifier's last lines say what it objected to; libbpf's own
	 * lines around them add nothing. */
	if (start && !verbose) {
		int lines = 0;
		char *q = end;
		while (q > start && lines < 9)
			if (*--q == '\n')
				lines++;
		if (q > start)
			q++;
		fprintf(stderr, "the verifier's last words:\n%.*s", (int)(end - q), q);
	}
	verifier_log_stop(obj);
}
