/* Where and how the runtime writes what a program produces: text exactly as
 * bpftrace prints it, or bpftrace's newline-delimited JSON (-f json), to
 * standard output or a file (-o), with a chosen buffering (-B).
 *
 * Who writes what:
 *   - stdlib print hooks write their text to o->out (printf's text, a map
 *     through map_print(), a value through value_print());
 *   - the runtime brackets each asynchronous event with output_event_begin()
 *     and output_event_end(): in JSON mode these capture the text a printf
 *     (time, cat, ...) hook wrote and emit it as one {"type": "printf",
 *     "data": "..."} record; map_print() and value_print() write their JSON
 *     records themselves;
 *   - the runtime's own messages (probes attached, events lost, the blank
 *     lines before the maps printed at exit) go through the output_*()
 *     calls below, which know both formats. */
#ifndef SONDE_OUTPUT_H
#define SONDE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

enum output_buffering {
	OUTPUT_BUF_LINE,	/* default, as bpftrace: lines written as they come (each
				 * batch of events the ring buffer hands over at once) */
	OUTPUT_BUF_FULL,
	OUTPUT_BUF_NONE,
};

struct output {
	FILE *out;		/* where hooks write now: the sink, or the capture */
	enum output_format format;
	/* names of the program's attach points, for values of type TY_PROBE */
	const char *const *probe_names;
	int nprobe_names;

	/* set up by output_open(); a zeroed struct with out set works for
	 * text (the unit tests build one that way) */
	FILE *sink;		/* stdout or the -o file */
	bool owns_sink;
	bool flush_batches;	/* -B line: written at the end of each batch */
	FILE *capture;		/* JSON: open_memstream() for one event's text */
	char *capture_buf;
	size_t capture_size;
	const char *capture_type; /* JSON "type" of the event being captured, or NULL */
	/* --live: printf lines are kept here instead of scrolling past */
	void (*text_hook)(void *ctx, const char *text, size_t len);
	void *text_hook_ctx;
};

struct output_opts {
	enum output_format format;
	const char *path;	/* -o FILE, or NULL for standard output */
	enum output_buffering buffering;
};

/* Opens the destination.  -o FILE is created (0644) or truncated, but a
 * symbolic link is followed only when the caller owns it, and an existing
 * file with several hard links must be the caller's: root writing its
 * output must never be steered into someone else's file.  Returns 0, or -1
 * after printing one sentence to stderr. */
int output_open(struct output *o, const struct output_opts *opts);
/* Flushes, closes a -o file, frees the capture buffer. */
void output_close(struct output *o);

/* "Attaching N probes..." / {"type": "attached_probes", "data": {"probes": N}} */
void output_attached(struct output *o, int nprobes);
/* "Lost N events" / {"type": "lost_events", "data": {"events": N}} */
void output_lost(struct output *o, uint64_t n);
/* One of the runtime's messages of bpftrace's kind type ("lost_events"):
 * the text as a line, or {"type": TYPE, "data": "TEXT"}. */
void output_message(struct output *o, const char *type, const char *text);
/* Before the maps printed at exit: bpftrace's "\n\n" in text, nothing in
 * JSON (0.17 writes the two blank lines there too, which breaks line-by-line
 * JSON readers). */
void output_maps_begin(struct output *o);

/* Around one asynchronous event; fn_name is the stdlib entry that formats
 * it ("printf", "print", ...). */
void output_event_begin(struct output *o, const char *fn_name);
void output_event_end(struct output *o);

void output_flush(struct output *o);
/* The end of a batch of events: -B line writes what the batch printed (one
 * write for many lines, where a write per line costs more than formatting
 * them; the output stays as prompt, a batch being what one poll found). */
void output_batch_end(struct output *o);

/* "line", "full", "none" -> *b; -1 if the word is none of them. */
int output_parse_buffering(const char *s, enum output_buffering *b);

#endif
