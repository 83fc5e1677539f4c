/* The front end's bump allocator.  Chunks grow geometrically so that a big
 * script costs few mallocs; a request larger than a chunk gets a chunk of
 * its own.  Everything goes away in one arena_free(). */
#include "ast/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK (16 * 1024)
#define ARENA_MAX_CHUNK (1024 * 1024)
#define ARENA_ALIGN _Alignof(max_align_t)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	_Alignas(max_align_t) unsigned char data[];
};

static void arena_oom(void)
{
	fputs("sonde: out of memory\n", stderr);
	abort();
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2)
		arena_oom();
	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (!c || c->size - c->used < need) {
		size_t csize = c ? c->size * 2 : ARENA_MIN_CHUNK;

		if (csize > ARENA_MAX_CHUNK)
			csize = ARENA_MAX_CHUNK;
		if (csize < need)
			csize = need;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			arena_oom();
		c->size = csize;
		c->used = 0;
		/* A chunk made for one big object goes behind the current one,
		 * so the current chunk's free space stays usable. */
		if (a->head && csize == need && a->head->size - a->head->used > 256) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;

	while (c) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
}
