// SPDX-License-Identifier: GPL-2.0
/*
 * gocrash.c - what made a Go core, and what the runtime printed about it
 * before the goroutine dump: the panic values ("panic: ..."), the text of
 * a fatal error ("fatal error: ..."), or the fatal signal ("SIGABRT:
 * abort", "PC=... m=... sigcode=...").
 *
 * Nothing here is guessed.  The panic values are the runtime's _panic
 * records (by the time the runtime prints them, preprintpanics has turned
 * errors and Stringers into strings, so a core from a real crash holds the
 * very strings it printed); a value whose text the core does not hold is
 * "unknown".  The throw text is the string captured by runtime.throw's
 * closure (func1), found in throw's own frame by the closure's code
 * pointer; the lines some throws print before it ("runtime: out of memory:
 * ...") come from the runtime's print backlog (gobacklog.c).  The signal
 * details come from the kernel's signal frame.
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/gobacklog.h"
#include "go/goroutines.h"
#include "go/gowalk.h"

/* abi.Kind */
enum {
	K_BOOL = 1, K_INT, K_INT8, K_INT16, K_INT32, K_INT64, K_UINT, K_UINT8,
	K_UINT16, K_UINT32, K_UINT64, K_UINTPTR, K_FLOAT32, K_FLOAT64,
	K_COMPLEX64, K_COMPLEX128, K_ARRAY, K_CHAN, K_FUNC, K_INTERFACE,
	K_MAP, K_POINTER, K_SLICE, K_STRING, K_STRUCT, K_UNSAFEPOINTER,
};

#define TFLAG_UNCOMMON	0x1
#define TFLAG_EXTRASTAR	0x2

static const char *const signames[32] = {
	"SIGNONE: no trap", "SIGHUP: terminal line hangup",
	"SIGINT: interrupt", "SIGQUIT: quit", "SIGILL: illegal instruction",
	"SIGTRAP: trace trap", "SIGABRT: abort", "SIGBUS: bus error",
	"SIGFPE: floating-point exception", "SIGKILL: kill",
	"SIGUSR1: user-defined signal 1", "SIGSEGV: segmentation violation",
	"SIGUSR2: user-defined signal 2", "SIGPIPE: write to broken pipe",
	"SIGALRM: alarm clock", "SIGTERM: termination",
	"SIGSTKFLT: stack fault", "SIGCHLD: child status has changed",
	"SIGCONT: continue", "SIGSTOP: stop, unblockable",
	"SIGTSTP: keyboard stop", "SIGTTIN: background read from tty",
	"SIGTTOU: background write to tty",
	"SIGURG: urgent condition on socket", "SIGXCPU: cpu limit exceeded",
	"SIGXFSZ: file size limit exceeded", "SIGVTALRM: virtual alarm clock",
	"SIGPROF: profiling alarm clock", "SIGWINCH: window size change",
	"SIGIO: i/o now possible", "SIGPWR: power failure restart",
	"SIGSYS: bad system call",
};

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n :
			 o->cap - 1;
}

/* A Go string's bytes, with printindented's "\n" -> "\n\t" if asked. */
static int put_gostr(const struct goproc *p, struct out *o, uint64_t ptr,
		     uint64_t len, int indent)
{
	char buf[1024];
	long n = goproc_read_str(p, ptr, len, buf, sizeof(buf));
	long i;

	if (n < 0)
		return -1;
	for (i = 0; buf[i]; i++) {
		put(o, "%c", buf[i]);
		if (buf[i] == '\n' && indent)
			put(o, "\t");
	}
	if ((unsigned long)n >= sizeof(buf))
		put(o, "...");
	return 0;
}

/* ---- types --------------------------------------------------------- */

struct gotype {
	uint64_t addr;
	uint8_t kind, tflag;
	char name[256];		/* rtype.string() */
};

/* A name (abi.Name) at types+off: flags byte, varint length, bytes. */
static int read_name(const struct goproc *p, uint64_t addr, char *buf,
		     size_t buflen)
{
	uint8_t b[12];
	uint64_t len = 0;
	unsigned int i, shift = 0;

	if (procmem_read(&p->mem, addr, b, 1))
		return -1;
	for (i = 1; i < 11; i++) {
		if (procmem_read(&p->mem, addr + i, &b[i], 1))
			return -1;
		len |= (uint64_t)(b[i] & 0x7f) << shift;
		shift += 7;
		if (!(b[i] & 0x80))
			break;
	}
	if (i == 11)
		return -1;
	return goproc_read_str(p, addr + i + 1, len, buf, buflen) < 0 ? -1 : 0;
}

static int read_type(const struct goproc *p, uint64_t t, struct gotype *ty)
{
	const struct golayout *l = &p->layout;
	uint32_t str;
	char name[256];

	memset(ty, 0, sizeof(*ty));
	ty->addr = t;
	if (procmem_u8(&p->mem, t + l->type_kind, &ty->kind) ||
	    procmem_u8(&p->mem, t + l->type_tflag, &ty->tflag) ||
	    procmem_u32(&p->mem, t + l->type_str, &str) ||
	    read_name(p, p->md.types + str, name, sizeof(name)))
		return -1;
	ty->kind &= 0x1f;
	snprintf(ty->name, sizeof(ty->name), "%s",
		 (ty->tflag & TFLAG_EXTRASTAR) && name[0] ? name + 1 : name);
	return 0;
}

int gotype_name(const struct goproc *p, uint64_t t, char *buf, size_t len)
{
	struct gotype ty;

	if (read_type(p, t, &ty) || !ty.name[0])
		return -1;
	snprintf(buf, len, "%s", ty.name);
	return 0;
}

#define FIND_MAX	(256ull << 20)	/* a types section searched by name */
#define FIND_NAMES	8		/* names of those bytes looked at */

/* Whether the struct descriptor at t is of package path pkg: its
 * PkgPath (an abi.Name at 48: a flags byte, a varint length, the bytes),
 * which a struct with unexported fields has. */
static int struct_pkg(const struct goproc *p, uint64_t t, const char *pkg)
{
	char name[64];
	uint64_t np;

	return !procmem_u64(&p->mem, t + 48, &np) && np &&
	       !read_name(p, np, name, sizeof(name)) && !strcmp(name, pkg);
}

/*
 * The descriptor named name, of kind kind (and, pkg not NULL, a struct of
 * package path pkg: two packages of one name give their types the same
 * string), found in the types section itself: its name's bytes (a named
 * type's string is kept as "*name", with tflag ExtraStar, or as "name"),
 * then, in one pass over the section, a descriptor whose str is one of
 * those names' offsets.  For a type no other descriptor points to.  0
 * when none is found.
 */
uint64_t gotype_find(const struct goproc *p, const char *name,
		     unsigned int kind, const char *pkg)
{
	const struct golayout *l = &p->layout;
	uint64_t base = p->md.types, size = p->md.etypes - p->md.types, x;
	uint32_t offs[FIND_NAMES], str;
	const uint8_t *sec, *at;
	struct gotype ty;
	char want[258];
	uint8_t hdr[10];
	size_t wl, hl, n, noffs = 0, k;
	int star;

	if (p->md.etypes <= base || size > FIND_MAX || size < 64 ||
	    l->type_str > 44 || strlen(name) >= sizeof(ty.name) ||
	    !(sec = procmem_ptr(&p->mem, base, (size_t)size)))
		return 0;
	for (star = 1; star >= 0 && noffs < FIND_NAMES; star--) {
		snprintf(want, sizeof(want), "%s%s", star ? "*" : "", name);
		wl = strlen(want);
		for (hl = 0, n = wl; hl == 0 || n; n >>= 7)
			hdr[hl++] = (uint8_t)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
		for (at = sec; noffs < FIND_NAMES &&
		     (at = memmem(at, size - (uint64_t)(at - sec), want, wl));
		     at++) {
			uint64_t off = (uint64_t)(at - sec);

			if (off >= hl + 1 && !memcmp(at - hl, hdr, hl) &&
			    off - hl - 1 <= UINT32_MAX)
				offs[noffs++] = (uint32_t)(off - hl - 1);
		}
	}
	for (x = 0; noffs && x + 48 <= size; x += 8) {
		memcpy(&str, sec + x + l->type_str, 4);
		for (k = 0; k < noffs; k++)
			if (str == offs[k] && !read_type(p, base + x, &ty) &&
			    ty.kind == kind && !strcmp(ty.name, name) &&
			    (!pkg || struct_pkg(p, base + x, pkg)))
				return base + x;
	}
	return 0;
}

#define FIELD_DEPTH	16	/* nested structs and arrays followed */

int gotype_field(const struct goproc *p, uint64_t t, uint64_t off,
		 char *buf, size_t len)
{
	const struct golayout *l = &p->layout;
	size_t n = 0;
	int depth;

	buf[0] = 0;
	for (depth = 0; depth < FIELD_DEPTH; depth++) {
		struct gotype ty;
		uint64_t size, elem, cnt, fields, i, best = UINT64_MAX, boff = 0;
		char name[128];

		if (read_type(p, t, &ty) ||
		    procmem_u64(&p->mem, t + l->type_size, &size))
			return -1;
		if (off >= size)
			return -1;
		if (ty.kind == K_ARRAY) {
			if (procmem_u64(&p->mem, t + 48, &elem) ||
			    procmem_u64(&p->mem, elem + l->type_size, &size) ||
			    !size)
				return -1;
			n += (size_t)snprintf(buf + n, len - n, "[%llu]",
					      (unsigned long long)(off / size));
			if (n >= len)
				return -1;
			t = elem;
			off %= size;
			continue;
		}
		if (ty.kind != K_STRUCT)
			return 0;
		if (procmem_u64(&p->mem, t + 56, &fields) ||
		    procmem_u64(&p->mem, t + 64, &cnt) || cnt > 65536)
			return -1;
		/* the last field that starts at or before off */
		for (i = 0; i < cnt; i++) {
			uint64_t fo;

			if (procmem_u64(&p->mem, fields + 24 * i + 16, &fo))
				return -1;
			if (fo <= off && (best == UINT64_MAX || fo >= boff)) {
				best = i;
				boff = fo;
			}
		}
		if (best == UINT64_MAX ||
		    procmem_u64(&p->mem, fields + 24 * best, &elem) ||
		    read_name(p, elem, name, sizeof(name)) ||
		    procmem_u64(&p->mem, fields + 24 * best + 8, &t))
			return -1;
		n += (size_t)snprintf(buf + n, len - n, ".%s", name);
		if (n >= len)
			return -1;
		off -= boff;
	}
	return 0;
}

/*
 * Does the type have a method named Error or String?  1 yes, 0 no, -1
 * when it cannot be told (its uncommon data is where we cannot place it).
 */
static int has_error_or_string(const struct goproc *p,
			       const struct gotype *ty)
{
	const struct golayout *l = &p->layout;
	uint64_t u;
	uint32_t moff, i;
	uint16_t mcount;

	if (!(ty->tflag & TFLAG_UNCOMMON))
		return 0;
	switch (ty->kind) {
	case K_STRUCT:
	case K_INTERFACE:
		u = ty->addr + 80;
		break;
	case K_POINTER:
	case K_SLICE:
		u = ty->addr + 56;
		break;
	case K_ARRAY:
	case K_CHAN:
	case K_FUNC:
	case K_MAP:
		return -1;
	default:
		u = ty->addr + 48;
	}
	{
		uint32_t mc;

		if (procmem_u32(&p->mem, u + l->uncommon_mcount, &mc) ||
		    procmem_u32(&p->mem, u + l->uncommon_moff, &moff))
			return -1;
		mcount = (uint16_t)mc;
	}
	for (i = 0; i < mcount && i < 4096; i++) {
		uint32_t nameoff;
		char name[64];

		if (procmem_u32(&p->mem, u + moff + i * 16, &nameoff) ||
		    read_name(p, p->md.types + nameoff, name, sizeof(name)))
			return -1;
		if (!strcmp(name, "Error") || !strcmp(name, "String"))
			return 1;
	}
	return 0;
}

/* runtime's printfloat before Go 1.26: +d.dddddde+ddd */
static void put_float_old(struct out *o, double v)
{
	char buf[16];
	int e = 0, i;

	if (v != v) {
		put(o, "NaN");
		return;
	}
	if (v + v == v && v > 0) {
		put(o, "+Inf");
		return;
	}
	if (v + v == v && v < 0) {
		put(o, "-Inf");
		return;
	}
	buf[0] = '+';
	if (v == 0) {
		if (signbit(v))
			buf[0] = '-';
	} else {
		double h = 5.0;

		if (v < 0) {
			v = -v;
			buf[0] = '-';
		}
		while (v >= 10) {
			e++;
			v /= 10;
		}
		while (v < 1) {
			e--;
			v *= 10;
		}
		for (i = 0; i < 7; i++)
			h /= 10;
		v += h;
		if (v >= 10) {
			e++;
			v /= 10;
		}
	}
	for (i = 0; i < 7; i++) {
		int s = (int)v;

		buf[i + 2] = (char)(s + '0');
		v -= s;
		v *= 10;
	}
	buf[1] = buf[2];
	buf[2] = '.';
	buf[9] = 'e';
	buf[10] = '+';
	if (e < 0) {
		e = -e;
		buf[10] = '-';
	}
	buf[11] = (char)(e / 100 + '0');
	buf[12] = (char)(e / 10 % 10 + '0');
	buf[13] = (char)(e % 10 + '0');
	buf[14] = '\0';
	put(o, "%s", buf);
}

/* strconv.FormatFloat(v, 'g', -1, bits), as the runtime prints from 1.26. */
static void put_float_g(struct out *o, double v, int bits)
{
	char digits[40], buf[64];
	int prec, exp, nd, i;
	char *e;

	if (v != v) {
		put(o, "NaN");
		return;
	}
	if (isinf(v)) {
		put(o, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Shortest decimal that round-trips. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (bits == 32 ? (float)strtod(buf, NULL) == (float)v :
		    strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	if (!e) {
		put(o, "%s", buf);
		return;
	}
	exp = atoi(e + 1);
	nd = 0;
	for (i = 0; buf + i < e; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	digits[nd] = '\0';
	if (v < 0)
		put(o, "-");
	if (exp < -4 || exp >= (nd > 21 ? nd : 21)) {
		put(o, "%c", digits[0]);
		if (nd > 1)
			put(o, ".%s", digits + 1);
		put(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (exp < 0) {
		put(o, "0.");
		for (i = 0; i < -exp - 1; i++)
			put(o, "0");
		put(o, "%s", digits);
		return;
	}
	for (i = 0; i <= exp; i++)
		put(o, "%c", i < nd ? digits[i] : '0');
	if (nd > exp + 1)
		put(o, ".%s", digits + exp + 1);
}

static void put_float(const struct goproc *p, struct out *o, double v,
		      int bits)
{
	if (p->vers.float_shortest)
		put_float_g(o, v, bits);
	else
		put_float_old(o, v);
}

/* The value of a basic kind at data, printed as print() prints it. */
static int put_basic(const struct goproc *p, struct out *o, uint8_t kind,
		     uint64_t data, int indent)
{
	uint64_t u = 0;
	static const uint8_t size[] = {
		[K_BOOL] = 1, [K_INT] = 8, [K_INT8] = 1, [K_INT16] = 2,
		[K_INT32] = 4, [K_INT64] = 8, [K_UINT] = 8, [K_UINT8] = 1,
		[K_UINT16] = 2, [K_UINT32] = 4, [K_UINT64] = 8,
		[K_UINTPTR] = 8, [K_FLOAT32] = 4, [K_FLOAT64] = 8,
		[K_COMPLEX64] = 8, [K_COMPLEX128] = 16, [K_STRING] = 16,
	};

	if (kind >= sizeof(size) || !size[kind])
		return -1;
	if (kind == K_STRING) {
		uint64_t ptr, len;

		if (procmem_u64(&p->mem, data, &ptr) ||
		    procmem_u64(&p->mem, data + 8, &len))
			return -1;
		return put_gostr(p, o, ptr, len, indent);
	}
	if (kind == K_COMPLEX128 || kind == K_COMPLEX64) {
		double re, im;

		if (kind == K_COMPLEX128) {
			if (procmem_read(&p->mem, data, &re, 8) ||
			    procmem_read(&p->mem, data + 8, &im, 8))
				return -1;
		} else {
			float r, i;

			if (procmem_read(&p->mem, data, &r, 4) ||
			    procmem_read(&p->mem, data + 4, &i, 4))
				return -1;
			re = r;
			im = i;
		}
		if (p->vers.float_shortest) {
			put(o, "(");
			put_float_g(o, re, kind == K_COMPLEX64 ? 32 : 64);
			if (im >= 0 || im != im)
				put(o, "+");
			put_float_g(o, im, kind == K_COMPLEX64 ? 32 : 64);
			put(o, "i)");
		} else {
			put(o, "(");
			put_float_old(o, re);
			put_float_old(o, im);
			put(o, "i)");
		}
		return 0;
	}
	if (procmem_read(&p->mem, data, &u, size[kind]))
		return -1;
	switch (kind) {
	case K_BOOL:
		put(o, "%s", (u & 0xff) ? "true" : "false");
		break;
	case K_INT:
	case K_INT64:
		put(o, "%lld", (long long)u);
		break;
	case K_INT8:
		put(o, "%d", (int8_t)u);
		break;
	case K_INT16:
		put(o, "%d", (int16_t)u);
		break;
	case K_INT32:
		put(o, "%d", (int32_t)u);
		break;
	case K_FLOAT32: {
		float f;

		memcpy(&f, &u, 4);
		put_float(p, o, f, 32);
		break;
	}
	case K_FLOAT64: {
		double d;

		memcpy(&d, &u, 8);
		put_float(p, o, d, 64);
		break;
	}
	default:
		put(o, "%llu", (unsigned long long)u);
	}
	return 0;
}

static const char *const basic_names[] = {
	[K_BOOL] = "bool", [K_INT] = "int", [K_INT8] = "int8",
	[K_INT16] = "int16", [K_INT32] = "int32", [K_INT64] = "int64",
	[K_UINT] = "uint", [K_UINT8] = "uint8", [K_UINT16] = "uint16",
	[K_UINT32] = "uint32", [K_UINT64] = "uint64",
	[K_UINTPTR] = "uintptr", [K_FLOAT32] = "float32",
	[K_FLOAT64] = "float64", [K_COMPLEX64] = "complex64",
	[K_COMPLEX128] = "complex128", [K_STRING] = "string",
};

/*
 * Error() of the error types whose text the core holds.  Returns 0 when
 * the type is one of them and the text was read.
 */
static int put_known_error(const struct goproc *p, struct out *o,
			   const struct gotype *ty, uint64_t data, int indent)
{
	const char *n = ty->name;
	uint64_t ptr, len;

	if (!strcmp(n, "*errors.errorString") || !strcmp(n, "*fmt.wrapError") ||
	    !strcmp(n, "*fmt.wrapErrors")) {
		/* data is the pointer; the message is the first field. */
		if (procmem_u64(&p->mem, data, &ptr) ||
		    procmem_u64(&p->mem, data + 8, &len))
			return -1;
		return put_gostr(p, o, ptr, len, indent);
	}
	if (!strcmp(n, "runtime.plainError") ||
	    !strcmp(n, "runtime.errorString") ||
	    !strcmp(n, "runtime.errorAddressString")) {
		if (procmem_u64(&p->mem, data, &ptr) ||
		    procmem_u64(&p->mem, data + 8, &len))
			return -1;
		if (strcmp(n, "runtime.plainError"))
			put(o, "runtime error: ");
		return put_gostr(p, o, ptr, len, indent);
	}
	if (!strcmp(n, "runtime.boundsError")) {
		static const char *const fmts[] = {
			"index out of range [%x] with length %y",
			"slice bounds out of range [:%x] with length %y",
			"slice bounds out of range [:%x] with capacity %y",
			"slice bounds out of range [%x:%y]",
			"slice bounds out of range [::%x] with length %y",
			"slice bounds out of range [::%x] with capacity %y",
			"slice bounds out of range [:%x:%y]",
			"slice bounds out of range [%x:%y:]",
			NULL,
		};
		static const char *const negfmts[] = {
			"index out of range [%x]",
			"slice bounds out of range [:%x]",
			"slice bounds out of range [:%x]",
			"slice bounds out of range [%x:]",
			"slice bounds out of range [::%x]",
			"slice bounds out of range [::%x]",
			"slice bounds out of range [:%x:]",
			"slice bounds out of range [%x::]",
		};
		uint64_t x, y;
		uint8_t sign, code;
		const char *f;

		if (procmem_u64(&p->mem, data, &x) ||
		    procmem_u64(&p->mem, data + 8, &y) ||
		    procmem_u8(&p->mem, data + 16, &sign) ||
		    procmem_u8(&p->mem, data + 17, &code) || code > 8)
			return -1;
		f = fmts[code];
		if (code == 8)
			f = p->vers.array_conversion_msg ?
			    "cannot convert slice with length %y to array or pointer to array with length %x" :
			    "cannot convert slice with length %y to pointer to array with length %x";
		if (sign && (int64_t)x < 0 && code < 8)
			f = negfmts[code];
		put(o, "runtime error: ");
		for (; *f; f++) {
			if (*f != '%') {
				put(o, "%c", *f);
				continue;
			}
			f++;
			if (*f == 'x')
				put(o, sign ? "%lld" : "%llu", (long long)x);
			else
				put(o, "%lld", (long long)y);
		}
		return 0;
	}
	return -1;
}

/*
 * printpanicval(eface): returns 0 when printed, -1 when the value's text
 * is not known (then "unknown" is printed instead, with the type).
 */
static int put_panicval(const struct goproc *p, struct out *o, uint64_t typ,
			uint64_t data)
{
	struct gotype ty;
	int indent = p->vers.printindented, k;
	size_t mark = o->len;

	if (!typ) {
		put(o, "nil");
		return 0;
	}
	if (read_type(p, typ, &ty))
		goto unknown;
	/* The runtime's type switch: exactly the predeclared types. */
	if (ty.kind < sizeof(basic_names) / sizeof(basic_names[0]) &&
	    basic_names[ty.kind] && !strcmp(ty.name, basic_names[ty.kind])) {
		if (put_basic(p, o, ty.kind, data, indent))
			goto unknown;
		return 0;
	}
	/* An error or Stringer that preprintpanics has not converted. */
	k = has_error_or_string(p, &ty);
	if (k != 0) {
		if (!put_known_error(p, o, &ty, data, indent))
			return 0;
		goto unknown;
	}
	/* printanycustomtype */
	if (ty.kind == K_STRING) {
		put(o, "%s(\"", ty.name);
		if (put_basic(p, o, ty.kind, data, indent))
			goto unknown;
		put(o, "\")");
		return 0;
	}
	if (ty.kind < sizeof(basic_names) / sizeof(basic_names[0]) &&
	    basic_names[ty.kind]) {
		int complex = ty.kind == K_COMPLEX64 || ty.kind == K_COMPLEX128;

		put(o, "%s%s", ty.name, complex ? "" : "(");
		if (put_basic(p, o, ty.kind, data, 0))
			goto unknown;
		if (!complex)
			put(o, ")");
		return 0;
	}
	put(o, "(%s) 0x%llx", ty.name, (unsigned long long)data);
	return 0;
unknown:
	o->len = mark;
	o->buf[o->len] = '\0';
	put(o, "unknown");
	if (ty.name[0])
		put(o, " (a %s whose text is not in the core)", ty.name);
	return -1;
}

/* printpanics: oldest first, each line "panic: V[ [recovered]]". */
static int put_panics(const struct goproc *p, struct out *o, uint64_t pp,
		      int depth, int *known)
{
	const struct golayout *l = &p->layout;
	uint64_t link = 0, typ, data;
	uint8_t recovered = 0, goexit = 0, repanicked = 0;

	if (depth > 64 || procmem_u64(&p->mem, pp + l->panic_link, &link))
		return -1;
	if (l->panic_goexit != GOLAYOUT_NONE)
		procmem_u8(&p->mem, pp + l->panic_goexit, &goexit);
	if (l->panic_recovered != GOLAYOUT_NONE)
		procmem_u8(&p->mem, pp + l->panic_recovered, &recovered);
	if (l->panic_repanicked != GOLAYOUT_NONE)
		procmem_u8(&p->mem, pp + l->panic_repanicked, &repanicked);
	if (link) {
		uint8_t lgoexit = 0, lrep = 0;

		put_panics(p, o, link, depth + 1, known);
		if (l->panic_repanicked != GOLAYOUT_NONE &&
		    !procmem_u8(&p->mem, link + l->panic_repanicked, &lrep) &&
		    lrep && p->vers.repanicked)
			return 0;
		if (l->panic_goexit != GOLAYOUT_NONE)
			procmem_u8(&p->mem, link + l->panic_goexit, &lgoexit);
		if (!lgoexit)
			put(o, "\t");
	}
	if (goexit)
		return 0;
	put(o, "panic: ");
	if (procmem_u64(&p->mem, pp + l->panic_arg, &typ) ||
	    procmem_u64(&p->mem, pp + l->panic_arg + 8, &data)) {
		put(o, "unknown");
		*known = 0;
	} else if (put_panicval(p, o, typ, data)) {
		*known = 0;
	}
	if (recovered && repanicked && p->vers.repanicked)
		put(o, " [recovered, repanicked]");
	else if (recovered)
		put(o, " [recovered]");
	put(o, "\n");
	return 0;
}

/* "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x...]" */
static void put_gsignal(const struct goproc *p, struct out *o, uint64_t g)
{
	const struct golayout *l = &p->layout;
	uint32_t sig = 0;
	uint64_t c0 = 0, c1 = 0, pc = 0;

	if (l->g_sig == GOLAYOUT_NONE ||
	    procmem_u32(&p->mem, g + l->g_sig, &sig) || !sig)
		return;
	procmem_u64(&p->mem, g + l->g_sigcode0, &c0);
	procmem_u64(&p->mem, g + l->g_sigcode1, &c1);
	procmem_u64(&p->mem, g + l->g_sigpc, &pc);
	if (sig < 32)
		put(o, "[signal %s", signames[sig]);
	else
		put(o, "[signal %#x", sig);
	put(o, " code=0x%llx addr=0x%llx pc=0x%llx]\n", (unsigned long long)c0,
	    (unsigned long long)c1, (unsigned long long)pc);
}

/*
 * The text runtime.throw (or runtime.fatal) was called with: the closure
 * it hands to systemstack captured the string, and the closure object sits
 * in throw's frame, starting with the code pointer of throw.func1.  From
 * Go 1.26 fatal's closure captures getg()._panic first ({fn, p, s}), which
 * must then equal g._panic; its panics are printed first, as
 * printPreFatalDeferPanic does.
 */
static int throw_text(struct gowalk *w, uint64_t g, struct out *o,
		      size_t *fatal_at)
{
	const struct goproc *p = w->p;
	struct goroutine gr;
	uint64_t gpanic = 0;
	size_t i;

	if (gowalk_g_at(w, g, &gr) < 0)
		return -1;
	procmem_u64(&p->mem, g + p->layout.g_panic, &gpanic);
	for (i = 0; i < gr.nframes; i++) {
		const struct goframe *f = &gr.frames[i];
		uint64_t fn = 0, a;
		int with_panic = 0;

		if (f->inlined)
			continue;
		struct pcfunc pf;

		if (!strcmp(f->func, "runtime.throw") &&
		    !pclntab_func_by_name(&p->tab, "runtime.throw.func1", &pf)) {
			fn = pf.entry;
		} else if (!strcmp(f->func, "runtime.fatal") &&
			   !pclntab_func_by_name(&p->tab, "runtime.fatal.func1",
						 &pf)) {
			fn = pf.entry;
			with_panic = p->vers.fatal_has_panic;
		}
		if (!fn)
			continue;
		for (a = f->sp; a + 24 + 8 * with_panic <= f->fp; a += 8) {
			uint64_t v, cp = 0, ptr, len, s = a + 8 + 8 * with_panic;

			if (procmem_u64(&p->mem, a, &v) || v != fn ||
			    (with_panic && (procmem_u64(&p->mem, a + 8, &cp) ||
					    cp != gpanic)) ||
			    procmem_u64(&p->mem, s, &ptr) ||
			    procmem_u64(&p->mem, s + 8, &len) || len > 4096)
				continue;
			if (with_panic && cp) {
				int known = 1;

				put_panics(p, o, cp, 0, &known);
				put(o, "\t");
			}
			*fatal_at = o->len;
			put(o, "fatal error: ");
			if (put_gostr(p, o, ptr, len, p->vers.printindented))
				return -1;
			return 0;
		}
		return -1;
	}
	return -1;
}

/*
 * The goroutine a thread ran, without the M list (runtime.allm cut off the
 * core): the g in its TLS slot is that goroutine, or the M's g0 or gsignal
 * when it stopped in the runtime; either way g.m.curg.
 */
static uint64_t thread_curg(const struct goproc *p, const struct gothread *t)
{
	const struct golayout *l = &p->layout;
	uint64_t g = 0, mp = 0, curg = 0;

	if (!p->arch->tls_g || !t->regs.tls ||
	    procmem_u64(&p->mem, t->regs.tls + (int64_t)p->arch->tls_g, &g) ||
	    !g || procmem_u64(&p->mem, g + l->g_m, &mp) || !mp ||
	    procmem_u64(&p->mem, mp + l->m_curg, &curg))
		return 0;
	return curg;
}

/*
 * The lines the runtime printed before the throw whose "fatal error: ..."
 * starts at fatal_at in o, from its print backlog (gobacklog.h), put
 * before everything else in o, as the runtime printed them first.
 */
static void put_throw_context(const struct goproc *p, struct out *o,
			      size_t fatal_at)
{
	char backlog[GOBACKLOG_SIZE + 1], ctx[GOBACKLOG_SIZE + 1];
	long n = gobacklog_read(p, backlog, sizeof(backlog));
	size_t k;

	if (n <= 0 || fatal_at >= o->len ||
	    !gobacklog_throw_context(backlog, (size_t)n, o->buf + fatal_at,
				     ctx, sizeof(ctx)))
		return;
	k = strlen(ctx);
	if (o->len + k + 1 >= o->cap)
		return;
	memmove(o->buf + k, o->buf, o->len + 1);
	memcpy(o->buf, ctx, k);
	o->len += k;
}

int gowalk_crash(struct gowalk *w, struct gocrash *c)
{
	const struct goproc *p = w->p;
	struct out o = { c->header, 0, sizeof(c->header) };
	const struct gothread *t;
	const struct gom *m = NULL;
	struct sigframe sfs[8], sf;
	uint64_t curg = 0;
	int nsf;

	memset(c, 0, sizeof(*c));
	c->thread = p->crash_thread;
	c->header[0] = '\0';
	/*
	 * The M that started the crash ran startpanic_m, the only place that
	 * sets m.dying.  It is not always the thread that dumped: before Go
	 * 1.22 the last M of the SIGQUIT relay calls crash().
	 */
	{
		size_t i;
		int found = -1, n = 0;

		for (i = 0; i < p->nms; i++)
			if (p->ms[i].dying && p->ms[i].thread >= 0) {
				found = p->ms[i].thread;
				n++;
			}
		if (n == 1)
			c->thread = found;
	}
	if (c->thread < 0)
		return 0;
	t = &p->threads[c->thread];
	if (t->m >= 0) {
		m = &p->ms[t->m];
		curg = m->curg;
	} else if (!p->nms) {
		curg = thread_curg(p, t);
	}

	/* Panic or throw: the M's goroutine went through fatal*. */
	if (curg && gowalk_stack_has(w, curg, SP_FATALPANIC)) {
		uint64_t pp = 0;
		int known = 1;

		c->kind = GOCRASH_PANIC;
		c->g = curg;
		w->crash_g = curg;
		if (procmem_u64(&p->mem, curg + p->layout.g_panic, &pp) || !pp) {
			put(&o, "panic: unknown\n");
			known = 0;
		} else {
			put_panics(p, &o, pp, 0, &known);
		}
		put_gsignal(p, &o, curg);
		c->value_known = known;
		return 0;
	}
	if (curg && gowalk_stack_has(w, curg, SP_FATALTHROW)) {
		size_t fatal_at = 0;

		c->kind = GOCRASH_THROW;
		c->g = curg;
		w->crash_g = curg;
		c->value_known = !throw_text(w, curg, &o, &fatal_at);
		if (!c->value_known) {
			o.len = 0;
			o.buf[0] = '\0';
			put(&o, "fatal error: unknown");
		} else {
			put_throw_context(p, &o, fatal_at);
		}
		put(&o, "\n");
		put_gsignal(p, &o, curg);
		return 0;
	}
	/*
	 * A fatal signal taken by the runtime's handler: the outermost signal
	 * frame (inner ones are crash()'s own SIGABRT on its way out).
	 */
	nsf = gowalk_signal_frames(w, c->thread, sfs, 8);
	if (nsf > 0) {
		sf = sfs[nsf - 1];
		c->kind = GOCRASH_SIGNAL;
		c->signo = sf.signo;
		c->sigcode = sf.code;
		c->sigpc = sf.pc;
		c->sigaddr = sf.addr;
		c->value_known = 1;
		if (sf.signo > 0 && sf.signo < 32)
			put(&o, "%s\n", signames[sf.signo]);
		else if (sf.signo >= 32 && sf.signo <= 64)
			put(&o, "signal %d\n", sf.signo);
		else
			put(&o, "Signal %d\n", sf.signo);
		/* sigcode() is a uint64: SI_TKILL (-6) prints as 2^64 - 6. */
		put(&o, "PC=0x%llx m=%lld sigcode=%llu", (unsigned long long)sf.pc,
		    m ? (long long)m->id : -1LL,
		    (unsigned long long)(int64_t)sf.code);
		if (p->vers.signal_addr && (sf.signo == SIGSEGV || sf.signo == SIGBUS))
			put(&o, " addr=0x%llx", (unsigned long long)sf.addr);
		put(&o, "\n");
		if (curg) {
			struct goroutine g;

			/*
			 * The runtime's gp is the goroutine the thread ran when
			 * the signal came: interrupted in Go code (its stack
			 * holds the signal frame's sp) or in a system call
			 * (still curg, in _Gsyscall); traceback1 prints the
			 * latter from g.syscallsp, as the walker does.
			 */
			if (gowalk_g_at(w, curg, &g) >= 0 &&
			    (g.src == GOSTACK_SIGNAL ||
			     (g.status & ~(uint32_t)G_SCAN) == G_SYSCALL)) {
				c->g = curg;
				w->crash_g = curg;
			} else if (m && m->incgo) {
				/* The signal hit C code on g0: the runtime
				 * switches to curg (fatalsignal). */
				put(&o, "signal arrived during cgo execution\n");
				c->g = curg;
				w->crash_g = curg;
			}
		}
		return 0;
	}
	c->kind = GOCRASH_UNKNOWN;
	return 0;
}
