/* A DIFile that carries the script's text.  The BPF back end puts each
 * line's text into the BTF line info; without embedded source it would
 * read the file again by name, which must not happen: the script is read
 * once (a FIFO would block, a file could have changed, and "./-e" is not
 * the one-liner).  The C API cannot set a DIFile's source, so the node is
 * made by parsing a two-line IR module in the same context: metadata is
 * uniqued in the context and outlives that module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/IRReader.h>

#include "codegen/codegen.h"

/* s[0..len) as the body of an IR string literal ("\22" for '"', ...),
 * escaped into a buffer first: a big script is tens of kilobytes, and
 * stdio's per-character locking cost ~100 instructions a character. */
static void ir_string(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *buf = malloc(3 * len + 1);
	if (!buf) {
		for (size_t i = 0; i < len; i++)
			fprintf(f, "\\%02X", (unsigned char)s[i]);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		} else {
			buf[n++] = (char)c;
		}
	}
	fwrite(buf, 1, n, f);
	free(buf);
}

LLVMMetadataRef cg_di_file_with_source(LLVMContextRef ctx, const char *name, const char *text,
				       size_t len)
{
	char *ir = NULL;
	size_t irlen = 0;
	FILE *f = open_memstream(&ir, &irlen);
	if (!f)
		return NULL;
	fputs("!sonde.file = !{!0}\n!0 = !DIFile(filename: \"", f);
	ir_string(f, name, strlen(name));
	fputs("\", directory: \".\", source: \"", f);
	ir_string(f, text, len);
	fputs("\")\n", f);
	if (fclose(f)) {
		free(ir);
		return NULL;
	}
	LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(ir, irlen, "di", 1);
	LLVMModuleRef m = NULL;
	char *err = NULL;
	LLVMMetadataRef file = NULL;
	/* the parser takes the buffer; open_memstream ended ir with a NUL */
	if (!LLVMParseIRInContext(ctx, buf, &m, &err) &&
	    LLVMGetNamedMetadataNumOperands(m, "sonde.file") == 1) {
		LLVMValueRef v;
		LLVMGetNamedMetadataOperands(m, "sonde.file", &v);
		file = LLVMValueAsMetadata(v);
	}
	LLVMDisposeMessage(err);
	if (m)
		LLVMDisposeModule(m);
	free(ir);
	return file;
}
