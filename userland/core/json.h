/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - the few helpers every JSON writer of gocoredump shares, over
 * jansson (the library that does all the encoding, escaping and parsing:
 * there is no hand-written JSON in the project).
 */
#ifndef GOCD_JSON_H
#define GOCD_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * o[key] = v, taking v's reference.  A NULL v (a failed allocation) or a
 * failed set sets *bad, so that a writer checks once at the end.
 */
void js_put(json_t *o, const char *key, json_t *v, int *bad);

/*
 * A JSON string of len bytes of anything (a path, a command line, a
 * process's comm, a Go function name): the bytes as they are when they
 * are UTF-8, else each byte of 0x80 and above stands for U+0080..U+00FF,
 * so that nothing is lost and the text is always valid.  NUL bytes are
 * kept (\u0000).  NULL on allocation failure.
 */
json_t *js_bytes(const void *p, size_t len);

/* The same for a NUL-terminated string. */
json_t *js_text(const char *s);

/* An address as a string, "0x7f1c2a000000" (JSON numbers lose 64-bit
 * precision in many readers). */
json_t *js_hex(uint64_t v);

/*
 * Write v to f as one JSON document (object or array) with a newline,
 * indented (pretty) or on one line.  0, or -1 on a write error.
 */
int js_write(FILE *f, const json_t *v, int pretty);

/*
 * A document too big to hold (100,000 goroutines, 400,000 dumps) is
 * streamed: jansson encodes every key and value, the stream adds only the
 * braces, brackets and commas between them.  An object's members come one
 * at a time, and one member may be an array whose elements come one at a
 * time (each on its own line).  A top-level array: js_begin_array() with
 * no object around it.
 */
struct js_stream {
	FILE *f;
	int object;		/* an object is open (the array is in it) */
	int members;		/* members written */
	int elements;		/* elements of the open array written */
	size_t inner;		/* values of js_element_begin's array */
	int bad;		/* an allocation or a write failed */
};

void js_begin_object(struct js_stream *s, FILE *f);
/* Write key: v, taking v's reference. */
void js_member(struct js_stream *s, const char *key, json_t *v);
/* In an object: key: [ ...; with s not begun (f given): a top-level
 * array. */
void js_begin_array(struct js_stream *s, FILE *f, const char *key);
/* One element of the open array, taking v's reference. */
void js_element(struct js_stream *s, json_t *v);
void js_end_array(struct js_stream *s);
/*
 * One element of the open array too big to build whole (a goroutine of
 * a million frames): v's members (v taken), then key: [, each
 * js_inner() value, then js_element_end() closes both; the bytes are
 * those js_element() would write for v with key's array in it last.
 */
void js_element_begin(struct js_stream *s, json_t *v, const char *key);
void js_inner(struct js_stream *s, json_t *v);
void js_element_end(struct js_stream *s);
/* Close the object (if one is open); 0, or -1 when anything failed on
 * the way. */
int js_end(struct js_stream *s);

#endif /* GOCD_JSON_H */
