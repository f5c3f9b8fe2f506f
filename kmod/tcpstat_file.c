// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_file.c - text output shared by the files, and "snapshot" files
 * whose whole content is produced by one walk when a read starts at
 * offset 0, then read from memory. Their size depends on the data (a line
 * per port or per namespace), and a seq_file would walk the tables again
 * each time its buffer had to grow.
 *
 * Everything a reader makes the module allocate is charged to the
 * reader's memory cgroup (TCPSTAT_GFP_READER), as seq_file charges its
 * buffers, and an open file keeps only its text.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "tcpstat.h"

/*
 * checkpatch: COMPLEX_MACRO MACRO_ARG_UNUSED an X-macro of tcpstat_format.h:
 * it expands to one initialiser of the array and takes all three columns.
 */
#define TCPSTAT_NAME_STR(name, lower, num) #name,
const char *const tcpstat_state_names[TCPSTAT_NSTATES] = {
	TCPSTAT_STATES(TCPSTAT_NAME_STR)
};

const char *const tcpstat_family_names[TCPSTAT_NFAMILIES] = {
	[TCPSTAT_FAM_IPV4] = TCPSTAT_FAMILY_IPV4,
	[TCPSTAT_FAM_IPV6] = TCPSTAT_FAMILY_IPV6,
};

static bool tcpstat_buf_grow(struct tcpstat_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	p = kvmalloc(cap, TCPSTAT_GFP_READER);
	if (!p) {
		b->err = -ENOMEM;
		return false;
	}
	if (b->len)
		memcpy(p, b->data, b->len);
	kvfree(b->data);
	b->data = p;
	b->cap = cap;
	return true;
}

void tcpstat_buf_printf(struct tcpstat_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		if (!tcpstat_buf_grow(b, b->len + n + 1))
			return;
	}
}

/*
 * Give back the room the doubling left beyond the text, when it is a page
 * or more: an open snapshot file keeps only its text. If the smaller copy
 * cannot be had, the text stays where it is.
 */
void tcpstat_buf_trim(struct tcpstat_buf *b)
{
	char *p;

	if (b->err || !b->len || b->cap - b->len < PAGE_SIZE)
		return;
	p = kvmalloc(b->len, TCPSTAT_GFP_READER);
	if (!p)
		return;
	memcpy(p, b->data, b->len);
	kvfree(b->data);
	b->data = p;
	b->cap = b->len;
}

void tcpstat_buf_free(struct tcpstat_buf *b)
{
	kvfree(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void tcpstat_print_header(struct tcpstat_buf *b)
{
	tcpstat_buf_printf(b, "%s %d %s\n", TCPSTAT_FORMAT_MAGIC, TCPSTAT_FORMAT_VERSION,
			   TCPSTAT_VERSION);
}

/* The state names as a header, " ESTABLISHED ... CLOSING\n". */
void tcpstat_print_state_columns(struct tcpstat_buf *b)
{
	int s;

	for (s = 0; s < TCPSTAT_NSTATES; s++)
		tcpstat_buf_printf(b, " %s", tcpstat_state_names[s]);
	tcpstat_buf_printf(b, "\n");
}

void tcpstat_print_counts(struct tcpstat_buf *b, const unsigned int *n)
{
	int s;

	for (s = 0; s < TCPSTAT_NSTATES; s++)
		tcpstat_buf_printf(b, " %u", n[s]);
	tcpstat_buf_printf(b, "\n");
}

/* The "states" section: per-family counts. */
void tcpstat_print_states(struct tcpstat_buf *b, const struct tcpstat_counts *c)
{
	int f;

	tcpstat_buf_printf(b, TCPSTAT_SECTION_STATES " " TCPSTAT_COLUMN_FAMILY);
	tcpstat_print_state_columns(b);
	for (f = 0; f < TCPSTAT_NFAMILIES; f++) {
		tcpstat_buf_printf(b, TCPSTAT_SECTION_STATES " %s", tcpstat_family_names[f]);
		tcpstat_print_counts(b, c->n[f]);
	}
}

/* The "walk" section: what the walk visited and how long it held a lock. */
void tcpstat_print_walk(struct tcpstat_buf *b, const struct tcpstat_walk_stats *st)
{
	static const char *const table[TCPSTAT_NTABLES] = { "listen", "established" };
	int t;

	tcpstat_buf_printf(b, TCPSTAT_SECTION_WALK " table buckets locked max_lock_ns\n");
	for (t = 0; t < TCPSTAT_NTABLES; t++)
		tcpstat_buf_printf(b, TCPSTAT_SECTION_WALK " %s %lu %lu %llu\n", table[t],
				   st->buckets[t], st->locked[t], st->max_lock_ns[t]);
}

/* An open snapshot file: the namespace it shows and its last content. */
struct tcpstat_snap {
	struct mutex lock;	/* reads of one open file may run in parallel */
	struct net *net;	/* referenced while the file is open */
	int (*fill)(struct net *net, struct tcpstat_buf *b);
	struct tcpstat_buf b;
};

int tcpstat_snapfile_open(struct inode *inode, struct file *file,
			  int (*fill)(struct net *net, struct tcpstat_buf *b))
{
	struct tcpstat_snap *s;

	s = kzalloc(sizeof(*s), TCPSTAT_GFP_READER);
	if (!s)
		return -ENOMEM;
	/* The namespace may be on its way out: then there is nothing to read. */
	s->net = maybe_get_net(tcpstat_pde_data(inode));
	if (!s->net) {
		kfree(s);
		return -ENXIO;
	}
	mutex_init(&s->lock);
	s->fill = fill;
	file->private_data = s;
	return 0;
}

/*
 * A read from offset 0 produces the content afresh (one walk), like a
 * seq_file does; reads further on continue the same content.
 */
ssize_t tcpstat_snapfile_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct tcpstat_snap *s = file->private_data;
	ssize_t ret;

	mutex_lock(&s->lock);
	if (*ppos == 0 || !s->b.data) {
		int err;

		tcpstat_buf_free(&s->b);
		s->b.err = 0;
		err = s->fill(s->net, &s->b);
		if (!err)
			err = s->b.err;
		if (err) {
			tcpstat_buf_free(&s->b);
			mutex_unlock(&s->lock);
			return err;
		}
		tcpstat_buf_trim(&s->b);
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, s->b.data, s->b.len);
	mutex_unlock(&s->lock);
	return ret;
}

int tcpstat_snapfile_release(struct inode *inode, struct file *file)
{
	struct tcpstat_snap *s = file->private_data;

	tcpstat_buf_free(&s->b);
	put_net(s->net);
	kfree(s);
	return 0;
}
