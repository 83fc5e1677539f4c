/* libbpf's messages, kept quiet unless something fails.  A verifier
 * rejection is reported at the script line and column its failing
 * instruction came from: the instruction's index is in the verifier's log,
 * and the object's BTF line info (codegen attaches a debug location to what
 * it emits) maps it back to the script.  Then a sentence on what to change,
 * and the verifier's last lines. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ast/diag.h"
#include "ast/sema.h"
#include "runtime/bpf_line_info.h"
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

/* Line and column of the instruction insn of function fn. */
static bool insn_location(const void *elf, size_t len, const char *fn, long insn,
			  struct src_loc *out)
{
	size_t n;
	struct bpf_line *lines = insn >= 0 ? bpf_line_info(elf, len, fn, &n) : NULL;
	const struct bpf_line *at = lines ? bpf_line_at(lines, n, insn) : NULL;
	if (at) {
		out->line = out->end_line = at->line;
		out->col = out->end_col = at->col;
	}
	free(lines);
	return at != NULL;
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
