// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - helpers over jansson shared by gocap and gocapd (json.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

void js_put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v))
		*bad = 1;
}

json_t *js_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i, n = 0;
	json_t *v;
	char *u;

	v = json_stringn(p, len);	/* NULL unless valid UTF-8 */
	if (v)
		return v;
	for (i = 0; i < len; i++)
		n += s[i] < 0x80 ? 1 : 2;
	u = malloc(n ? n : 1);
	if (!u)
		return NULL;
	for (i = 0, n = 0; i < len; i++) {
		if (s[i] < 0x80) {
			u[n++] = (char)s[i];
		} else {		/* U+0080..U+00FF in UTF-8 */
			u[n++] = (char)(0xc0 | s[i] >> 6);
			u[n++] = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	v = json_stringn(u, n);
	free(u);
	return v;
}

json_t *js_text(const char *s)
{
	return js_bytes(s, strlen(s));
}

json_t *js_hex(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return json_string(b);
}

int js_write(FILE *f, const json_t *v, int pretty)
{
	size_t flags = JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
		       (pretty ? JSON_INDENT(2) : JSON_COMPACT);

	if (json_dumpf(v, f, flags) || fputc('\n', f) == EOF)
		return -1;
	return 0;
}

/* Encode v (a key string, a value) where the stream stands. */
static void js_dump(struct js_stream *s, json_t *v)
{
	if (!v || json_dumpf(v, s->f, JSON_ENCODE_ANY | JSON_ENSURE_ASCII |
			     JSON_PRESERVE_ORDER | JSON_COMPACT))
		s->bad = 1;
	json_decref(v);
}

static void js_key(struct js_stream *s, const char *key)
{
	fputs(s->members++ ? ",\n  " : "\n  ", s->f);
	js_dump(s, json_string(key));
	fputs(": ", s->f);
}

void js_begin_object(struct js_stream *s, FILE *f)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->object = 1;
	fputc('{', f);
}

void js_member(struct js_stream *s, const char *key, json_t *v)
{
	js_key(s, key);
	js_dump(s, v);
}

void js_begin_array(struct js_stream *s, FILE *f, const char *key)
{
	if (s->object) {
		js_key(s, key);
	} else {
		memset(s, 0, sizeof(*s));
		s->f = f;
	}
	s->elements = 0;
	fputc('[', s->f);
}

void js_element(struct js_stream *s, json_t *v)
{
	fputs(s->elements++ ? ",\n    " : "\n    ", s->f);
	js_dump(s, v);
}

void js_element_begin(struct js_stream *s, json_t *v, const char *key)
{
	char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII |
				 JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	size_t n = t ? strlen(t) : 0;

	json_decref(v);
	fputs(s->elements++ ? ",\n    " : "\n    ", s->f);
	if (n < 2 || t[0] != '{' || t[n - 1] != '}') {
		s->bad = 1;
		fputc('{', s->f);
	} else {
		fwrite(t, 1, n - 1, s->f);
		if (n > 2)
			fputc(',', s->f);
	}
	free(t);
	js_dump(s, json_string(key));
	fputs(":[", s->f);
	s->inner = 0;
}

void js_inner(struct js_stream *s, json_t *v)
{
	if (s->inner++)
		fputc(',', s->f);
	js_dump(s, v);
}

void js_element_end(struct js_stream *s)
{
	fputs("]}", s->f);
}

void js_end_array(struct js_stream *s)
{
	fputs(s->elements ? "\n  ]" : "]", s->f);
	if (!s->object)
		fputc('\n', s->f);
}

int js_end(struct js_stream *s)
{
	if (s->object)
		fputs("\n}\n", s->f);
	if (ferror(s->f))
		s->bad = 1;
	return s->bad ? -1 : 0;
}
