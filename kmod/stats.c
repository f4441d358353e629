// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_STATS_FD: a read-only fd with the binary statistics of a VM or a vcpu.
 *
 * The file, as the API documents it: the header, the id string (name_size bytes), one
 * descriptor per statistic (struct okvm_stats_desc followed by name_size bytes of name),
 * then the data block (one u64 per statistic here). Everything but the data is fixed
 * when the fd is made; the data is a snapshot taken by each read. read() follows the
 * file position and pread() works at any offset.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "okvm.h"
#include "stats.h"

/* KVM_STATS_NAME_SIZE: the id string and each name, with the NUL, fit in this. */
#define OKVM_STATS_NAME_SIZE	48
#define OKVM_STATS_MAX		32

struct okvm_stat_def {
	const char *name;
	u32 offset;		/* in struct okvm_vm_stat or struct okvm_vcpu_stat */
};

#define OKVM_VM_STAT(n)		{ #n, offsetof(struct okvm_vm_stat, n) }
#define OKVM_VCPU_STAT(n)	{ #n, offsetof(struct okvm_vcpu_stat, n) }

/* All cumulative counters without a unit; all u64. */
static const struct okvm_stat_def okvm_vm_stat_defs[] = {
	OKVM_VM_STAT(remote_tlb_flush),
};

static const struct okvm_stat_def okvm_vcpu_stat_defs[] = {
	OKVM_VCPU_STAT(exits),
	OKVM_VCPU_STAT(halt_exits),
	OKVM_VCPU_STAT(io_exits),
	OKVM_VCPU_STAT(mmio_exits),
	OKVM_VCPU_STAT(signal_exits),
	OKVM_VCPU_STAT(irq_window_exits),
	OKVM_VCPU_STAT(nmi_window_exits),
	OKVM_VCPU_STAT(irq_injections),
	OKVM_VCPU_STAT(nmi_injections),
	OKVM_VCPU_STAT(insn_emulation),
	OKVM_VCPU_STAT(halt_wakeup),
};

struct okvm_stats_file {
	struct okvm_vm *vm;		/* held: the counters live in it */
	const u8 *counters;		/* &vm->stat or &vcpu->stat */
	const struct okvm_stat_def *defs;
	u32 n;
	u32 data_offset;
	size_t size;			/* of the whole file */
	u8 head[];			/* header, id, descriptors: data_offset bytes */
};

static ssize_t okvm_stats_read(struct file *f, char __user *buf, size_t len, loff_t *ppos)
{
	struct okvm_stats_file *s = f->private_data;
	u64 snap[OKVM_STATS_MAX];
	loff_t pos = *ppos;
	size_t done = 0, n;
	u32 i;

	if (pos < 0)
		return -EINVAL;
	if (pos >= s->size || !len)
		return 0;
	len = min_t(size_t, len, s->size - pos);
	if (pos < s->data_offset) {
		n = min_t(size_t, len, s->data_offset - pos);
		if (copy_to_user(buf, s->head + pos, n))
			return -EFAULT;
		done = n;
	}
	if (done < len) {
		for (i = 0; i < s->n; i++)
			snap[i] = READ_ONCE(*(const u64 *)(s->counters + s->defs[i].offset));
		n = pos + done - s->data_offset;
		if (copy_to_user(buf + done, (u8 *)snap + n, len - done))
			return -EFAULT;
		done = len;
	}
	*ppos = pos + done;
	return done;
}

static loff_t okvm_stats_llseek(struct file *f, loff_t off, int whence)
{
	struct okvm_stats_file *s = f->private_data;

	return fixed_size_llseek(f, off, whence, s->size);
}

static int okvm_stats_release(struct inode *inode, struct file *f)
{
	struct okvm_stats_file *s = f->private_data;

	okvm_vm_put(s->vm);
	kfree(s);
	return 0;
}

static const struct file_operations okvm_stats_fops = {
	.owner = THIS_MODULE,
	.read = okvm_stats_read,
	.llseek = okvm_stats_llseek,
	.release = okvm_stats_release,
};

static int okvm_stats_fd(struct okvm_vm *vm, const void *counters, const struct okvm_stat_def *defs,
			 u32 n, const char *id)
{
	u32 desc_size = sizeof(struct okvm_stats_desc) + OKVM_STATS_NAME_SIZE;
	u32 desc_offset = sizeof(struct okvm_stats_header) + OKVM_STATS_NAME_SIZE;
	u32 data_offset = desc_offset + n * desc_size;
	struct okvm_stats_header *h;
	struct okvm_stats_file *s;
	struct file *file;
	int fd;
	u32 i;

	BUILD_BUG_ON(ARRAY_SIZE(okvm_vcpu_stat_defs) > OKVM_STATS_MAX);
	BUILD_BUG_ON(ARRAY_SIZE(okvm_vm_stat_defs) > OKVM_STATS_MAX);

	s = kzalloc(sizeof(*s) + data_offset, GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	s->vm = vm;
	s->counters = counters;
	s->defs = defs;
	s->n = n;
	s->data_offset = data_offset;
	s->size = data_offset + n * sizeof(u64);

	h = (struct okvm_stats_header *)s->head;
	h->flags = 0;
	h->name_size = OKVM_STATS_NAME_SIZE;
	h->num_desc = n;
	h->id_offset = sizeof(*h);
	h->desc_offset = desc_offset;
	h->data_offset = data_offset;
	strscpy((char *)s->head + h->id_offset, id, OKVM_STATS_NAME_SIZE);
	for (i = 0; i < n; i++) {
		struct okvm_stats_desc *d = (void *)(s->head + desc_offset + i * desc_size);

		d->flags = OKVM_STATS_TYPE_CUMULATIVE | OKVM_STATS_UNIT_NONE | OKVM_STATS_BASE_POW10;
		d->exponent = 0;
		d->size = 1;
		d->offset = i * sizeof(u64);
		d->bucket_size = 0;
		strscpy((char *)d->name, defs[i].name, OKVM_STATS_NAME_SIZE);
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(s);
		return fd;
	}
	file = anon_inode_getfile("okvm-stats", &okvm_stats_fops, s, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(s);
		return PTR_ERR(file);
	}
	/* The documented use is pread() at the offsets the header gives. */
	file->f_mode |= FMODE_PREAD;
	refcount_inc(&vm->users);
	fd_install(fd, file);
	return fd;
}

int okvm_vm_stats_fd(struct okvm_vm *vm)
{
	char id[OKVM_STATS_NAME_SIZE];

	/* The documented form, "kvm-<pid>": tools (and the selftests) expect the prefix. */
	snprintf(id, sizeof(id), "kvm-%d", task_tgid_nr(current));
	return okvm_stats_fd(vm, &vm->stat, okvm_vm_stat_defs, ARRAY_SIZE(okvm_vm_stat_defs), id);
}

int okvm_vcpu_stats_fd(struct okvm_vcpu *v)
{
	char id[OKVM_STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d/vcpu-%u", task_tgid_nr(current), v->id);
	return okvm_stats_fd(v->vm, &v->stat, okvm_vcpu_stat_defs, ARRAY_SIZE(okvm_vcpu_stat_defs),
			     id);
}
