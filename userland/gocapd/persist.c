// SPDX-License-Identifier: GPL-2.0
/*
 * persist.c - the io_uring engine that moves core streams to files
 * (contract in persist.h).
 *
 * Each dump ("job") owns PERSIST_NBUF buffers of PERSIST_BUFSZ bytes.
 *
 * Raw mode: the stream is read into the current buffer; every whole 4 KiB
 * block that is not all zero is written at its own offset, runs of such
 * blocks as one write, zero blocks not at all (they become holes; the final
 * ftruncate gives the file its full length).  A buffer is reused only when
 * its writes have completed; the unprocessed tail (< 4 KiB) moves to the
 * start of the next buffer, so every buffer starts at a 4 KiB-aligned core
 * offset.
 *
 * zstd mode: the stream is read into an input buffer and compressed at
 * once (ZSTD_compressStream2); the buffers hold compressed output, written
 * sequentially.  The raw core is never written.  Every PERSIST_ZSTD_FRAME
 * core bytes the frame is ended, so that the file cut at a frame end is a
 * valid zstd file of a core prefix: that is what progress() reports.
 *
 * Progress points come early and then grow (persist.h): 1 MiB, 2, 4 ...
 * MiB, or after a second, so that a helper can keep most of a core whose
 * daemon died.  The first one is the dump's useful prefix.
 *
 * Space is asked for before it is used: every write past what the job
 * was granted first calls reserve() (the space policy, space.c).  A job
 * that gets no room, or that the policy cuts to make room for others
 * (persist_cut()), stops storing, keeps a prefix that is known to be
 * whole (all it confirmed, or its useful prefix), and only drains.
 *
 * After a write error (disk full) or past size_max the job stops writing
 * and only drains the stream, so the crashed process is not held and the
 * full size of the core is still known.
 *
 * Once the stream is at its end and every write has completed, written()
 * says so before the fsync is submitted: the caller closes the stream
 * then, and the crashed process goes while the file is synced (as with
 * the kernel's own core files, which are not synced at all).  done()
 * comes after the fsync.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <zstd.h>

#include "core/zero.h"
#include "gocapd/failpoint.h"
#include "gocapd/persist.h"

#define PERSIST_NBUF		4
#define PERSIST_BUFSZ		(1u << 20)
#define PERSIST_MIN_READ	(64u << 10)
#define PERSIST_RING_SIZE	1024
#define PERSIST_MAX_MARKS	16

enum op_kind { OP_READ, OP_WRITE, OP_FSYNC, OP_POLL };

struct pbuf {
	uint8_t *data;
	size_t fill, done;
	uint64_t base;		/* raw: core offset of data[0]; zstd: file
				 * offset of the write in flight */
	unsigned int pending;	/* writes in flight from this buffer */
};

struct persist_job;

struct op {
	enum op_kind kind;
	struct persist_job *job;
	struct pbuf *buf;
	const uint8_t *ptr;
	size_t len;
	uint64_t off;
	uint64_t charge;	/* disk bytes this write may use */
	void (*fn)(void *arg, int revents);
	void *arg;
};

/*
 * Where a job is.  STORING: reading the stream and writing the file (after
 * EOF: waiting for the last writes, and for zstd the last frame).
 * DRAINING: storing stopped (a write failed, size_max was passed), the
 * stream is read to its end and thrown away, so the crashed process is not
 * held.  SYNCING: EOF, every write done, the file truncated to length,
 * written() told (the stream is the caller's again), its fsync in flight.
 * DONE: done() was called.
 */
enum job_phase { JOB_STORING, JOB_DRAINING, JOB_SYNCING, JOB_DONE };

/* zstd: compressing input, ending the current frame, or all ended. */
enum zstd_step { Z_CONTINUE, Z_END_FRAME, Z_FINISHED };

struct persist_job {
	struct persist_ring *ring;
	struct persist_params p;
	struct pbuf buf[PERSIST_NBUF];
	unsigned int cur;
	uint8_t *inbuf;			/* zstd input, and the drain buffer */
	uint8_t *rd_ptr;		/* where the read in flight lands */
	ZSTD_CCtx *cctx;
	ZSTD_inBuffer zin;		/* input not yet compressed */
	enum zstd_step zstep;
	uint64_t zconsumed, frame_start, file_off;
	uint64_t frame_target;		/* core bytes of the current frame */
	int64_t frame_start_ms, progress_ms;	/* CLOCK_MONOTONIC */
	uint64_t progress_step;		/* raw: next progress after this */
	uint64_t prefix_core, prefix_file;	/* the first mark (zstd) */
	uint64_t allowed;		/* disk bytes reserve() granted */
	uint64_t used;			/* disk bytes of writes issued */
	uint64_t in_flight;		/* ... of those not completed */
	uint64_t cut_core, cut_file;	/* what a cut job keeps */
	struct { uint64_t core, file; } marks[PERSIST_MAX_MARKS];
	unsigned int nmarks;
	enum job_phase phase;
	unsigned int reading:1;		/* a read is in flight */
	unsigned int eof:1;		/* the stream has ended */
	unsigned int stalled:1;		/* waiting for a buffer's writes */
	unsigned int cut:1;		/* cut for space: keeps cut_* */
	unsigned int inflight;
	uint64_t reported;		/* last progress() core value */
	uint8_t *head;
	size_t head_len, head_cap;
	struct persist_result res;
};

struct persist_ring {
	struct io_uring ring;
	unsigned int max_jobs, active;
};

static void maybe_finish(struct persist_job *j);
static void cut_job(struct persist_job *j, int to_prefix);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t blocks_of(uint64_t len)
{
	return (len + PERSIST_BLOCK - 1) & ~(uint64_t)(PERSIST_BLOCK - 1);
}

/*
 * May j write len more bytes?  Asks reserve() for what it was not granted
 * yet; no room: j is cut, keeping all it has confirmed, and 0 returned.
 */
static int ensure(struct persist_job *j, size_t len)
{
	uint64_t need = blocks_of(len), got;

	if (!j->p.reserve || j->used + need <= j->allowed)
		return 1;
	got = j->p.reserve(j->p.arg, j->used + need - j->allowed);
	if (got && j->used + need <= j->allowed + got) {
		j->allowed += got;
		return 1;
	}
	cut_job(j, 0);
	return 0;
}
static void schedule_read(struct persist_job *j);
static void zstd_pump(struct persist_job *j);

static struct io_uring_sqe *get_sqe(struct persist_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	return sqe;
}

static struct op *new_op(struct persist_job *j, enum op_kind kind)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op)
		abort();	/* a few dozen bytes: nothing sane to do */
	op->kind = kind;
	op->job = j;
	if (j)
		j->inflight++;
	return op;
}

static void sqe_read(struct persist_job *j, uint8_t *ptr, size_t len)
{
	struct op *op = new_op(j, OP_READ);
	struct io_uring_sqe *sqe = get_sqe(j->ring);

	j->rd_ptr = ptr;
	j->reading = 1;
	io_uring_prep_read(sqe, j->p.in_fd, ptr, (unsigned int)len,
			   (uint64_t)-1);
	io_uring_sqe_set_data(sqe, op);
}

static void sqe_write_op(struct persist_job *j, struct op *op)
{
	struct io_uring_sqe *sqe = get_sqe(j->ring);

	io_uring_prep_write(sqe, j->p.out_fd, op->ptr, (unsigned int)op->len,
			    op->off);
	io_uring_sqe_set_data(sqe, op);
}

static void sqe_write(struct persist_job *j, struct pbuf *b, const uint8_t *ptr,
		      size_t len, uint64_t off)
{
	struct op *op = new_op(j, OP_WRITE);

	op->buf = b;
	op->ptr = ptr;
	op->len = len;
	op->off = off;
	b->pending++;
	op->charge = blocks_of(len);
	j->used += op->charge;
	j->in_flight += op->charge;
	sqe_write_op(j, op);
}

static int zin_pending(const struct persist_job *j)
{
	return j->zin.pos < j->zin.size;
}

static void stop_storing(struct persist_job *j)
{
	j->phase = JOB_DRAINING;
	j->zin.size = j->zin.pos;
	j->zstep = Z_CONTINUE;
}

/*
 * Core bytes known to be in the file: below the oldest buffer with writes
 * in flight (raw), or the last frame end whose bytes are all written
 * (zstd).  *file gets the file length that holds exactly them.
 */
static uint64_t committed(struct persist_job *j, uint64_t *file)
{
	uint64_t low = UINT64_MAX;

	for (unsigned int i = 0; i < PERSIST_NBUF; i++)
		if (j->buf[i].pending && j->buf[i].base < low)
			low = j->buf[i].base;
	if (j->p.storage == STORE_RAW) {
		if (low == UINT64_MAX)
			low = j->buf[j->cur].base + j->buf[j->cur].done;
		*file = low;
		return low;
	}
	if (low == UINT64_MAX)
		low = j->file_off;
	while (j->nmarks > 1 && j->marks[1].file <= low) {
		memmove(&j->marks[0], &j->marks[1],
			(j->nmarks - 1) * sizeof(j->marks[0]));
		j->nmarks--;
	}
	if (j->nmarks && j->marks[0].file <= low) {
		*file = j->marks[0].file;
		return j->marks[0].core;
	}
	*file = 0;
	return 0;
}

static void report_progress(struct persist_job *j)
{
	uint64_t file, core;

	if (j->phase != JOB_STORING || !j->p.progress)
		return;
	core = committed(j, &file);
	if (core <= j->reported)
		return;
	/* raw: 1 MiB, then steps that double up to PERSIST_PROGRESS_STEP,
	 * or whatever is confirmed after a second; zstd: every frame end */
	if (j->p.storage == STORE_RAW &&
	    core - j->reported < j->progress_step &&
	    now_ms() - j->progress_ms < PERSIST_PROGRESS_MS)
		return;
	j->reported = core;
	j->progress_ms = now_ms();
	if (j->progress_step < PERSIST_PROGRESS_STEP)
		j->progress_step *= 2;
	j->p.progress(j->p.arg, core, file);
}

/* Write the non-zero 4 KiB blocks of the current buffer (raw mode). */
static void raw_emit(struct persist_job *j, int final)
{
	struct pbuf *b = &j->buf[j->cur];
	size_t end = final ? b->fill : b->fill & ~(size_t)(PERSIST_BLOCK - 1);
	size_t i = b->done;

	if (j->phase != JOB_STORING)
		return;
	while (i < end) {
		size_t n = end - i < PERSIST_BLOCK ? end - i : PERSIST_BLOCK;
		size_t s;

		if (block_is_zero(b->data + i, n)) {
			i += n;
			continue;
		}
		s = i;
		while (i < end) {
			n = end - i < PERSIST_BLOCK ? end - i : PERSIST_BLOCK;
			if (block_is_zero(b->data + i, n))
				break;
			i += n;
		}
		if (!ensure(j, i - s))
			return;		/* cut: storing stopped */
		sqe_write(j, b, b->data + s, i - s, b->base + s);
	}
	b->done = end;
}

/* Send the current zstd output buffer to the file and move to the next. */
static void zstd_flush(struct persist_job *j)
{
	struct pbuf *o = &j->buf[j->cur];

	if (!o->fill)
		return;
	if (!ensure(j, o->fill)) {
		o->fill = 0;		/* cut: storing stopped */
		return;
	}
	o->base = j->file_off;
	sqe_write(j, o, o->data, o->fill, j->file_off);
	j->file_off += o->fill;
	o->fill = 0;
	j->cur = (j->cur + 1) % PERSIST_NBUF;
}

static void zstd_mark(struct persist_job *j)
{
	if (j->nmarks == PERSIST_MAX_MARKS) {
		memmove(&j->marks[0], &j->marks[1],
			(j->nmarks - 1) * sizeof(j->marks[0]));
		j->nmarks--;
	}
	j->marks[j->nmarks].core = j->zconsumed;
	j->marks[j->nmarks].file = j->file_off;
	j->nmarks++;
	if (!j->prefix_core) {
		j->prefix_core = j->zconsumed;
		j->prefix_file = j->file_off;
	}
}

/*
 * Compress what is left of j->zin, ending the frame every
 * PERSIST_ZSTD_FRAME bytes and at EOF.  Stops (stalled) when the next
 * output buffer still has its write in flight.
 */
static void zstd_pump(struct persist_job *j)
{
	while (j->phase == JOB_STORING && j->zstep != Z_FINISHED) {
		struct pbuf *o = &j->buf[j->cur];
		ZSTD_inBuffer empty = { NULL, 0, 0 };
		int ending = j->zstep == Z_END_FRAME;
		ZSTD_inBuffer *in = ending ? &empty : &j->zin;
		ZSTD_outBuffer ob;
		size_t before, r;

		if (!ending && !zin_pending(j)) {
			if (!j->eof)
				return;
			j->zstep = Z_END_FRAME;	/* EOF: end the last frame */
			continue;
		}
		if (o->pending) {
			j->stalled = 1;
			return;
		}
		ob.dst = o->data;
		ob.size = PERSIST_BUFSZ;
		ob.pos = o->fill;
		before = in->pos;
		r = ZSTD_compressStream2(j->cctx, &ob, in,
					 ending ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(r)) {
			if (!j->res.write_error)
				j->res.write_error = ENOMEM;
			stop_storing(j);
			return;
		}
		if (!ending)
			j->zconsumed += in->pos - before;
		o->fill = ob.pos;
		if (o->fill == PERSIST_BUFSZ)
			zstd_flush(j);
		if (ending && r == 0) {
			zstd_flush(j);
			if (j->phase != JOB_STORING)
				return;		/* cut while flushing */
			zstd_mark(j);
			j->frame_start = j->zconsumed;
			j->frame_start_ms = now_ms();
			if (j->frame_target < PERSIST_ZSTD_FRAME)
				j->frame_target *= 2;
			j->zstep = j->eof && !zin_pending(j) ? Z_FINISHED :
							       Z_CONTINUE;
			continue;
		}
		/* Frame ends are progress points and cut points, a few bytes
		 * each: 1 MiB, then frames that double up to
		 * PERSIST_ZSTD_FRAME; for a helper that listens, also one a
		 * second of a slow stream. */
		if (!ending && j->zconsumed > j->frame_start &&
		    (j->zconsumed - j->frame_start >= j->frame_target ||
		     (j->p.progress &&
		      now_ms() - j->frame_start_ms >= PERSIST_PROGRESS_MS)))
			j->zstep = Z_END_FRAME;
	}
}

static void consume(struct persist_job *j, size_t n)
{
	if (j->head_len < PERSIST_HEAD_MAX) {
		size_t take = n < PERSIST_HEAD_MAX - j->head_len ?
			      n : PERSIST_HEAD_MAX - j->head_len;

		if (j->head_len + take > j->head_cap) {
			size_t cap = j->head_cap ? j->head_cap : 1u << 20;
			uint8_t *h;

			while (cap < j->head_len + take)
				cap *= 2;
			if (cap > PERSIST_HEAD_MAX)
				cap = PERSIST_HEAD_MAX;
			h = realloc(j->head, cap);
			if (h) {
				j->head = h;
				j->head_cap = cap;
			} else {
				take = 0;
			}
		}
		memcpy(j->head + j->head_len, j->rd_ptr, take);
		j->head_len += take;
	}
	j->res.received += n;
	if (j->phase == JOB_STORING && j->p.size_max &&
	    j->res.received > j->p.size_max) {
		j->res.over_size_max = 1;
		stop_storing(j);
	}
	if (j->phase != JOB_STORING)
		return;
	if (j->p.storage == STORE_RAW) {
		j->buf[j->cur].fill += n;
		raw_emit(j, 0);
	} else if (j->p.storage == STORE_ZSTD) {
		j->zin.src = j->inbuf;
		j->zin.size = n;
		j->zin.pos = 0;
		zstd_pump(j);
	}
}

static void schedule_read(struct persist_job *j)
{
	struct pbuf *b, *nb;
	size_t left;

	if (j->eof || j->reading)
		return;
	if (j->phase != JOB_STORING || j->p.storage == STORE_NONE) {
		sqe_read(j, j->inbuf, PERSIST_BUFSZ);
		return;
	}
	if (j->p.storage == STORE_ZSTD) {
		if (zin_pending(j)) {
			j->stalled = 1;
			return;
		}
		sqe_read(j, j->inbuf, PERSIST_BUFSZ);
		return;
	}
	b = &j->buf[j->cur];
	if (PERSIST_BUFSZ - b->fill < PERSIST_MIN_READ) {
		nb = &j->buf[(j->cur + 1) % PERSIST_NBUF];
		if (nb->pending) {
			j->stalled = 1;
			return;
		}
		left = b->fill - b->done;
		memcpy(nb->data, b->data + b->done, left);
		nb->fill = left;
		nb->done = 0;
		nb->base = b->base + b->done;
		b->fill = b->done;
		j->cur = (j->cur + 1) % PERSIST_NBUF;
		b = nb;
	}
	sqe_read(j, b->data + b->fill, PERSIST_BUFSZ - b->fill);
}

static void resume(struct persist_job *j)
{
	if (!j->stalled)
		return;
	j->stalled = 0;
	if (j->p.storage == STORE_ZSTD && j->phase == JOB_STORING &&
	    (zin_pending(j) || j->zstep == Z_END_FRAME || j->eof))
		zstd_pump(j);
	if (!j->stalled)
		schedule_read(j);
}

static void on_read(struct persist_job *j, int res)
{
	j->reading = 0;
	if (res == -EINTR || res == -EAGAIN) {
		schedule_read(j);
		return;
	}
	if (res < 0) {
		j->res.read_error = -res;
		j->eof = 1;
	} else if (res == 0) {
		j->eof = 1;
	} else {
		consume(j, (size_t)res);
	}
	if (j->eof) {
		if (j->p.storage == STORE_RAW)
			raw_emit(j, 1);
		else if (j->p.storage == STORE_ZSTD)
			zstd_pump(j);
	} else {
		schedule_read(j);
	}
}

static void on_write(struct persist_job *j, struct op *op, int res)
{
	if (res == -EINTR || res == -EAGAIN) {
		j->inflight++;
		sqe_write_op(j, op);
		return;
	}
	if (res == 0)
		res = -EIO;		/* no progress: do not spin */
	if (res > 0 && (size_t)res < op->len) {
		op->ptr += res;
		op->len -= (size_t)res;
		op->off += (uint64_t)res;
		j->inflight++;
		sqe_write_op(j, op);
		return;
	}
	if (res < 0) {
		if (!j->res.write_error)
			j->res.write_error = -res;
		stop_storing(j);
	}
	op->buf->pending--;
	j->in_flight -= op->charge;
	free(op);
	report_progress(j);
	resume(j);
}

/*
 * Stop storing for want of space: keep all that is confirmed (the job's
 * own request was refused) or only the useful prefix (cut to make room
 * for others).  The file is cut at once; writes still in flight beyond
 * the cut are cut again in complete().
 */
static void cut_job(struct persist_job *j, int to_prefix)
{
	uint64_t file, core;

	if (j->phase != JOB_STORING)
		return;
	core = committed(j, &file);
	if (to_prefix && j->p.storage == STORE_RAW) {
		if (core > PERSIST_FIRST_STEP)
			core = file = PERSIST_FIRST_STEP;
	} else if (to_prefix) {
		/* zstd: the first frame end, when its bytes are written */
		if (j->prefix_core && j->prefix_core <= core) {
			core = j->prefix_core;
			file = j->prefix_file;
		} else {
			core = file = 0;
		}
	}
	j->cut = 1;
	j->res.cut = 1;
	j->cut_core = core;
	j->cut_file = file;
	if (j->p.cut)
		j->p.cut(j->p.arg, core, file);
	stop_storing(j);
	if (j->p.out_fd >= 0 && ftruncate(j->p.out_fd, (off_t)file) < 0 &&
	    !j->res.write_error)
		j->res.write_error = errno;
}

uint64_t persist_cut(struct persist_job *j, int to_prefix)
{
	cut_job(j, to_prefix);
	return persist_job_used(j);
}

uint64_t persist_job_stored(const struct persist_job *j)
{
	uint64_t file;

	if (j->cut)
		return j->cut_core;
	return committed((struct persist_job *)j, &file);
}

int persist_job_storing(const struct persist_job *j)
{
	return j->phase == JOB_STORING && j->p.storage != STORE_NONE;
}

uint64_t persist_job_used(const struct persist_job *j)
{
	if (j->cut)
		return blocks_of(j->cut_file) + j->in_flight;
	return j->used;
}

uint64_t persist_job_in_flight(const struct persist_job *j)
{
	return j->in_flight;
}

uint64_t persist_job_limit(struct persist_job *j, uint64_t allowed)
{
	if (allowed < j->used)
		allowed = j->used;
	if (allowed < j->allowed)
		j->allowed = allowed;
	return j->allowed;
}

static void complete(struct persist_job *j)
{
	struct stat sb;
	uint64_t file;

	if (j->p.out_fd >= 0 && fstat(j->p.out_fd, &sb) == 0) {
		j->res.file_size = (uint64_t)sb.st_size;
		j->res.file_blocks = (uint64_t)sb.st_blocks * 512;
	}
	if (j->cut && j->p.out_fd >= 0) {
		/* writes that were in flight at the cut may have grown it */
		if (ftruncate(j->p.out_fd, (off_t)j->cut_file) < 0 ||
		    fsync(j->p.out_fd) < 0)
			j->res.write_error = errno;
		if (fstat(j->p.out_fd, &sb) == 0) {
			j->res.file_size = (uint64_t)sb.st_size;
			j->res.file_blocks = (uint64_t)sb.st_blocks * 512;
		}
	}
	if (j->p.storage == STORE_NONE)
		j->res.stored = 0;
	else if (j->cut)
		j->res.stored = j->cut_core;
	else if (j->phase == JOB_DRAINING)
		j->res.stored = committed(j, &file);
	else
		j->res.stored = j->res.received;
	j->phase = JOB_DONE;
	j->res.head = j->head;
	j->res.head_len = j->head_len;
	/* The slot is free for whatever done() starts next. */
	j->ring->active--;
	j->p.done(j->p.arg, &j->res);

	for (unsigned int i = 0; i < PERSIST_NBUF; i++)
		free(j->buf[i].data);
	free(j->inbuf);
	free(j->head);
	ZSTD_freeCCtx(j->cctx);
	free(j);
}

/*
 * The stream is read to its end and every write has completed: tell
 * written() what the file holds.  From here on in_fd is the caller's.
 */
static void report_written(struct persist_job *j)
{
	uint64_t core, file;

	if (!j->p.written)
		return;
	if (j->p.storage == STORE_NONE) {
		core = file = 0;
	} else if (j->cut) {
		core = j->cut_core;
		file = j->cut_file;
	} else if (j->phase == JOB_DRAINING) {
		core = committed(j, &file);
	} else {
		/* raw: the whole core, at its length; zstd: every frame */
		core = j->res.received;
		file = j->p.storage == STORE_RAW ? j->res.received : j->file_off;
	}
	j->p.written(j->p.arg, j->res.received, core, file);
}

/* Everything read and written: ftruncate, written(), fsync, then done(). */
static void maybe_finish(struct persist_job *j)
{
	struct io_uring_sqe *sqe;
	struct op *op;

	if (j->phase == JOB_SYNCING || j->phase == JOB_DONE || !j->eof ||
	    j->reading || j->inflight)
		return;
	if (j->p.storage == STORE_ZSTD && j->phase == JOB_STORING &&
	    j->zstep != Z_FINISHED)
		return;
	if (j->phase == JOB_DRAINING || j->p.storage == STORE_NONE) {
		report_written(j);
		complete(j);
		return;
	}
	if (j->p.storage == STORE_RAW &&
	    ftruncate(j->p.out_fd, (off_t)j->res.received) < 0) {
		j->res.write_error = errno;
		stop_storing(j);
		report_written(j);
		complete(j);
		return;
	}
	/* Every byte is in the file (in the page cache): the stream may go,
	 * and with it the crashed process, while the file is synced. */
	report_written(j);
	failpoint("before-fsync");
	j->phase = JOB_SYNCING;
	op = new_op(j, OP_FSYNC);
	sqe = get_sqe(j->ring);
	io_uring_prep_fsync(sqe, j->p.out_fd, 0);
	io_uring_sqe_set_data(sqe, op);
}

static void handle(struct op *op, int res)
{
	struct persist_job *j = op->job;

	if (op->kind == OP_POLL) {
		if (op->fn)		/* else: persist_unwatch()ed */
			op->fn(op->arg, res);
		free(op);
		return;
	}
	j->inflight--;
	switch (op->kind) {
	case OP_READ:
		free(op);
		on_read(j, res);
		break;
	case OP_WRITE:
		on_write(j, op, res);
		break;
	case OP_FSYNC:
		free(op);
		if (res < 0 && !j->res.write_error)
			j->res.write_error = -res;
		if (res < 0)
			j->phase = JOB_DRAINING;	/* nothing is sure */
		complete(j);
		return;
	default:
		break;
	}
	maybe_finish(j);
}

int persist_ring_new(struct persist_ring **out, unsigned int max_jobs)
{
	struct persist_ring *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	err = io_uring_queue_init(PERSIST_RING_SIZE, &r->ring, 0);
	if (err < 0) {
		free(r);
		return err;
	}
	r->max_jobs = max_jobs ? max_jobs : 1;
	*out = r;
	return 0;
}

void persist_ring_free(struct persist_ring *r)
{
	if (!r)
		return;
	io_uring_queue_exit(&r->ring);
	free(r);
}

unsigned int persist_active(const struct persist_ring *r)
{
	return r->active;
}

int persist_start(struct persist_ring *r, const struct persist_params *p,
		  struct persist_job **job)
{
	struct persist_job *j;

	if (job)
		*job = NULL;
	if (r->active >= r->max_jobs)
		return -EBUSY;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->ring = r;
	j->p = *p;
	if (p->out_fd < 0)
		j->p.storage = STORE_NONE;
	j->inbuf = malloc(PERSIST_BUFSZ);
	if (!j->inbuf)
		goto nomem;
	if (j->p.storage != STORE_NONE)
		for (unsigned int i = 0; i < PERSIST_NBUF; i++) {
			j->buf[i].data = malloc(PERSIST_BUFSZ);
			if (!j->buf[i].data)
				goto nomem;
		}
	if (j->p.storage == STORE_ZSTD) {
		j->cctx = ZSTD_createCCtx();
		if (!j->cctx)
			goto nomem;
		ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_compressionLevel,
				       p->level);
		ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_checksumFlag, 1);
		if (p->zstd_workers > 0)
			ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_nbWorkers,
					       p->zstd_workers);
	}
	j->frame_target = PERSIST_FIRST_STEP;
	/* raw confirms a buffer (1 MiB) at a time: a half step makes the
	 * first whole MiB the first point */
	j->progress_step = PERSIST_FIRST_STEP / 2;
	j->frame_start_ms = j->progress_ms = now_ms();
	r->active++;
	if (job)
		*job = j;
	schedule_read(j);
	return 0;
nomem:
	for (unsigned int i = 0; i < PERSIST_NBUF; i++)
		free(j->buf[i].data);
	free(j->inbuf);
	ZSTD_freeCCtx(j->cctx);
	free(j);
	return -ENOMEM;
}

struct persist_watch *persist_watch(struct persist_ring *r, int fd,
				    short events,
				    void (*fn)(void *arg, int revents),
				    void *arg)
{
	struct op *op = new_op(NULL, OP_POLL);
	struct io_uring_sqe *sqe = get_sqe(r);

	if (!sqe) {
		free(op);
		return NULL;
	}
	op->fn = fn;
	op->arg = arg;
	io_uring_prep_poll_add(sqe, fd, (unsigned int)events);
	io_uring_sqe_set_data(sqe, op);
	return (struct persist_watch *)op;
}

void persist_unwatch(struct persist_ring *r, struct persist_watch *w)
{
	struct op *op = (struct op *)w;
	struct io_uring_sqe *sqe;

	if (!op)
		return;
	/* Its completion (cancelled, or fired meanwhile) frees it. */
	op->fn = NULL;
	sqe = get_sqe(r);
	if (sqe) {
		io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)op);
		io_uring_sqe_set_data(sqe, NULL);
	}
}

int persist_run(struct persist_ring *r, int timeout_ms)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;
	int ret;

	if (timeout_ms < 0) {
		ret = io_uring_submit_and_wait(&r->ring, 1);
	} else {
		struct __kernel_timespec ts = {
			.tv_sec = timeout_ms / 1000,
			.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
		};

		ret = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts,
						       NULL);
	}
	if (ret < 0 && ret != -ETIME)
		return ret;
	while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		struct op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&r->ring, cqe);
		if (op)
			handle(op, res);
		n++;
	}
	return n ? 0 : -ETIME;
}
