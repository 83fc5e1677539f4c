/* -v statistics and --dump=bpf (see prog_stats.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ast/diag.h"
#include "runtime/bpf_line_info.h"
#include "runtime/prog_stats.h"
#include "runtime/runtime.h"

static uint64_t load_start_ns;	/* CLOCK_BOOTTIME, the clock of bpf_prog_info.load_time */

static uint64_t boottime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int prog_stats_prepare(struct runtime *rt)
{
	load_start_ns = boottime_ns();
	return 0;
}

static const struct sema_prog *sema_prog_of(struct runtime *rt, const struct bpf_program *p)
{
	const char *name = bpf_program__name(p);
	for (int i = 0; i < rt->sp->nprogs; i++)
		if (rt->sp->progs[i]->fn_name && !strcmp(rt->sp->progs[i]->fn_name, name))
			return rt->sp->progs[i];
	return NULL;
}

static void probe_label(char *buf, size_t len, const struct sema_prog *sp)
{
	if (!sp || sp->naps == 0) {
		snprintf(buf, len, "?");
		return;
	}
	if (sp->naps == 1)
		snprintf(buf, len, "%s", sp->aps[0]->name);
	else
		snprintf(buf, len, "%s +%d more", sp->aps[0]->name, sp->naps - 1);
}

/* The kernel stamps each program's load_time when it starts on it, before
 * the verifier runs; programs are loaded one after the other, so a
 * program's load time is the next one's stamp minus its own (the last one's
 * ends now, right after bpf_object__load()).  The verifier's work and
 * libbpf's preparation of the next program are both in it. */
struct prog_row {
	struct bpf_program *p;
	struct bpf_prog_info info;
	uint64_t end;
};

static int by_load_time(const void *a, const void *b)
{
	const struct prog_row *x = a, *y = b;
	return x->info.load_time < y->info.load_time ? -1 : x->info.load_time > y->info.load_time;
}

void prog_stats_report(struct runtime *rt)
{
	uint64_t now = boottime_ns(), total_insns = 0;
	struct bpf_program *p;
	size_t n = 0, cap = 0;
	struct prog_row *rows = NULL;

	bpf_object__for_each_program(p, rt->obj) {
		if (n == cap) {
			struct prog_row *r = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof(*rows));
			if (!r)
				break;
			rows = r;
		}
		struct prog_row *row = &rows[n];
		memset(row, 0, sizeof(*row));
		row->p = p;
		__u32 len = sizeof(row->info);
		int fd = bpf_program__fd(p);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &row->info, &len))
			memset(&row->info, 0, sizeof(row->info));
		n++;
	}
	qsort(rows, n, sizeof(*rows), by_load_time);
	for (size_t i = 0; i < n; i++)
		rows[i].end = i + 1 < n ? rows[i + 1].info.load_time : now;

	fprintf(stderr, "%-10s %-36s %5s %7s %8s %9s %8s %7s\n", "program", "probe", "line",
		"insns", "xlated", "verified", "load ms", "jited");
	for (size_t i = 0; i < n; i++) {
		struct prog_row *r = &rows[i];
		const struct sema_prog *sp = sema_prog_of(rt, r->p);
		char label[64];
		probe_label(label, sizeof(label), sp);
		double ms = r->info.load_time && r->end > r->info.load_time
				    ? (double)(r->end - r->info.load_time) / 1e6 : 0;
		fprintf(stderr, "%-10s %-36s %5d %7zu %8u %9u %8.2f %7u\n", bpf_program__name(r->p),
			label, sp ? sp->probe->loc.line : 0, bpf_program__insn_cnt(r->p),
			r->info.xlated_prog_len / 8, r->info.verified_insns, ms,
			r->info.jited_prog_len);
		total_insns += bpf_program__insn_cnt(r->p);
	}
	int nmaps = 0;
	struct bpf_map *m;
	bpf_object__for_each_map(m, rt->obj)
		nmaps++;
	fprintf(stderr, "%zu program%s, %" PRIu64 " instructions, %d maps, loaded in %.2f ms\n", n,
		n == 1 ? "" : "s", total_insns, nmaps,
		(double)(now - load_start_ns) / 1e6);
	free(rows);
}

/* --- the disassembler ------------------------------------------------------ */

#define HELPER_NAME(x) #x
static const char *const helper_names[] = {__BPF_FUNC_MAPPER(HELPER_NAME)};

static const char *const alu_ops[16] = {
	"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=",
	"endian", "?", "?",
};
static const char *const jmp_ops[16] = {
	"ja", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<",
	"s<=", "?", "?",
};
static const char *const size_names[4] = {"u32", "u16", "u8", "u64"};

static const char *map_name_by_fd(struct runtime *rt, int fd)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, rt->obj)
		if (bpf_map__fd(m) == fd)
			return bpf_map__name(m);
	return NULL;
}

static void insn_print(struct runtime *rt, FILE *f, const struct bpf_insn *in, size_t i,
		       size_t n)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;
	char d = cls == BPF_ALU ? 'w' : 'r';

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_NEG)
			fprintf(f, "%c%d = -%c%d", d, in->dst_reg, d, in->dst_reg);
		else if (op == BPF_END)
			fprintf(f, "r%d = %s%d r%d", in->dst_reg, x ? "be" : "le", in->imm,
				in->dst_reg);
		else if (x)
			fprintf(f, "%c%d %s %c%d", d, in->dst_reg, alu_ops[op >> 4], d, in->src_reg);
		else
			fprintf(f, "%c%d %s %d", d, in->dst_reg, alu_ops[op >> 4], in->imm);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT) {
			fputs("exit", f);
		} else if (op == BPF_CALL) {
			if (in->src_reg == BPF_PSEUDO_CALL)
				fprintf(f, "call pc%+d", in->imm);
			else if (in->imm >= 0 &&
				 (size_t)in->imm < sizeof(helper_names) / sizeof(helper_names[0]))
				fprintf(f, "call bpf_%s#%d", helper_names[in->imm], in->imm);
			else
				fprintf(f, "call #%d", in->imm);
		} else if (op == BPF_JA) {
			fprintf(f, "goto pc%+d", cls == BPF_JMP32 ? in->imm : in->off);
		} else {
			char r = cls == BPF_JMP32 ? 'w' : 'r';
			if (x)
				fprintf(f, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg,
					jmp_ops[op >> 4], r, in->src_reg, in->off);
			else
				fprintf(f, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg,
					jmp_ops[op >> 4], (unsigned)in->imm, in->off);
		}
		break;
	case BPF_LDX:
		fprintf(f, "r%d = *(%s *)(r%d %+d)", in->dst_reg, size_names[BPF_SIZE(in->code) >> 3],
			in->src_reg, in->off);
		break;
	case BPF_ST:
		fprintf(f, "*(%s *)(r%d %+d) = %d", size_names[BPF_SIZE(in->code) >> 3], in->dst_reg,
			in->off, in->imm);
		break;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			fprintf(f, "lock *(%s *)(r%d %+d) %s r%d%s", size_names[BPF_SIZE(in->code) >> 3],
				in->dst_reg, in->off, alu_ops[(in->imm & 0xf0) >> 4], in->src_reg,
				in->imm & BPF_FETCH ? " (fetch)" : "");
		else
			fprintf(f, "*(%s *)(r%d %+d) = r%d", size_names[BPF_SIZE(in->code) >> 3],
				in->dst_reg, in->off, in->src_reg);
		break;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n) {
			uint64_t v = (uint32_t)in->imm | (uint64_t)(uint32_t)in[1].imm << 32;
			const char *mn = in->src_reg == BPF_PSEUDO_MAP_FD ||
						 in->src_reg == BPF_PSEUDO_MAP_VALUE
					 ? map_name_by_fd(rt, in->imm) : NULL;
			if (in->src_reg == BPF_PSEUDO_MAP_FD)
				fprintf(f, "r%d = map[%s] ll", in->dst_reg, mn ? mn : "?");
			else if (in->src_reg == BPF_PSEUDO_MAP_VALUE)
				fprintf(f, "r%d = map[%s][0]+%u ll", in->dst_reg, mn ? mn : "?",
					(unsigned)in[1].imm);
			else
				fprintf(f, "r%d = 0x%" PRIx64 " ll", in->dst_reg, v);
		} else {
			fprintf(f, "(%02x) ld", in->code);
		}
		break;
	default:
		fprintf(f, "(%02x) ?", in->code);
	}
}

/* "; LINE:COL  the script's line" before the instructions that came from it,
 * as bpftool prints C source lines */
static void source_comment(FILE *f, const struct diag_source *src, const struct bpf_line *at)
{
	const char *text;
	size_t len;
	if (!diag_source_line(src, at->line, &text, &len))
		return;
	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	fprintf(f, "; %d:%d  %.*s\n", at->line, at->col, (int)len, text);
}

int prog_dump_bpf(struct runtime *rt, FILE *f)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, rt->obj) {
		const struct bpf_insn *insns = bpf_program__insns(p);
		size_t n = bpf_program__insn_cnt(p);
		const struct sema_prog *sp = sema_prog_of(rt, p);
		char label[64];
		probe_label(label, sizeof(label), sp);
		fprintf(f, "%s: %s (line %d), %s, %zu instructions\n", bpf_program__name(p), label,
			sp ? sp->probe->loc.line : 0, bpf_program__section_name(p), n);
		if (!insns) {
			fputs("  (the instructions are no longer available)\n", f);
			continue;
		}
		size_t nlines = 0;
		struct bpf_line *lines = sp ? bpf_line_info(rt->sp->elf, rt->sp->elf_len,
							       sp->fn_name, &nlines)
					    : NULL;
		const struct bpf_line *shown = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct bpf_line *at = bpf_line_at(lines, nlines, (long)i);
			if (at && (!shown || at->line != shown->line)) {
				source_comment(f, rt->sp->src, at);
				shown = at;
			}
			fprintf(f, "%5zu: ", i);
			insn_print(rt, f, &insns[i], i, n);
			fputc('\n', f);
			if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
				i++;
		}
		free(lines);
		fputc('\n', f);
	}
	return 0;
}
