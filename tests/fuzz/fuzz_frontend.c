/* libFuzzer target over the whole front end: program text -> AST -> checked
 * program -> LLVM IR -> BPF object in memory.  Nothing is loaded.
 *
 * The invariant: every input either compiles or gets a diagnostic.  A crash,
 * a hang, a leak or a sanitizer report is a finding.  Built only with clang
 * (-fsanitize=fuzzer,address,undefined); see tests/CMakeLists.txt and
 * tests/fuzz/run.sh. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast/arena.h"
#include "ast/diag.h"
#include "ast/sema.h"
#include "codegen/codegen.h"
#include "parser/parse.h"

/* Diagnostics are the expected outcome for most inputs: they go nowhere
 * unless SONDE_FUZZ_VERBOSE is set (to see them while reproducing). */
static FILE *diag_out;

/* $1 and $2 exist (an integer and a string), so positional parameters
 * reach code generation; $3 and beyond are missing. */
static const char *positional[] = {"42", "sonde"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!diag_out)
		diag_out = getenv("SONDE_FUZZ_VERBOSE") ? stderr : fopen("/dev/null", "w");
	/* The text is NUL-terminated like a file read by main.c, and may hold
	 * NUL bytes before the end, as a file may. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	struct diag_source src = {.name = "fuzz.bt", .text = text, .len = size};
	struct diags d;
	diag_init(&d, &src, diag_out);
	struct arena a = {0};
	bool ok = false;
	struct ast_node *prog = parse_program(&a, &d);
	if (prog) {
		/* --unsafe: system() and friends reach code generation too */
		struct sema_opts so = {.positional = positional, .npositional = 2, .unsafe = true};
		struct sema_program *sp = sema_run(&a, &d, prog, &so);
		if (sp) {
			struct codegen_opts co = {.opt_level = 2};
			void *elf = NULL;
			size_t len = 0;
			if (codegen_emit(sp, &d, &co, &elf, &len) == 0) {
				if (!elf || !len)
					__builtin_trap(); /* success must produce an object */
				ok = true;
			}
			free(elf);
		}
	}
	/* Failure must come with a diagnostic: a silent rejection is a bug. */
	if (!ok && d.errors == 0)
		__builtin_trap();
	arena_free(&a);
	free(text);
	return 0;
}
