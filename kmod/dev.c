// SPDX-License-Identifier: GPL-2.0-only
/* System ioctls on /dev/okvm. */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/cpumask.h>

#include "okvm.h"
#include "hv.h"

/* Report a capability only when okvm implements it. */
long okvm_check_extension(struct okvm_vm *vm, long ext)
{
	switch (ext) {
	case OKVM_CAP_USER_MEMORY:
	case OKVM_CAP_SET_TSS_ADDR:
	case OKVM_CAP_EXT_CPUID:
	case OKVM_CAP_MP_STATE:
	case OKVM_CAP_SYNC_MMU:
	case OKVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case OKVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case OKVM_CAP_SET_IDENTITY_MAP_ADDR:
	case OKVM_CAP_INTERNAL_ERROR_DATA:
	case OKVM_CAP_READONLY_MEM:
	case OKVM_CAP_IMMEDIATE_EXIT:
	case OKVM_CAP_VCPU_EVENTS:
	case OKVM_CAP_INTR_SHADOW:
	case OKVM_CAP_DEBUGREGS:
	case OKVM_CAP_USER_NMI:
	case OKVM_CAP_GET_TSC_KHZ:
	/* The in-kernel interrupt controllers and their plumbing (x86/irqchip.h). */
	case OKVM_CAP_IRQCHIP:
	case OKVM_CAP_SPLIT_IRQCHIP:
	case OKVM_CAP_IRQ_INJECT_STATUS:
	case OKVM_CAP_PIT2:
	case OKVM_CAP_PIT_STATE2:
	case OKVM_CAP_IRQFD:
	case OKVM_CAP_IRQFD_RESAMPLE:
	case OKVM_CAP_IOEVENTFD:
	case OKVM_CAP_IOEVENTFD_ANY_LENGTH:
	case OKVM_CAP_IOEVENTFD_NO_LENGTH:
	case OKVM_CAP_SIGNAL_MSI:
	case OKVM_CAP_COALESCED_PIO:
	case OKVM_CAP_TSC_DEADLINE_TIMER:
	case OKVM_CAP_ENABLE_CAP_VM:
	case OKVM_CAP_USER_MEMORY2:
	case OKVM_CAP_BINARY_STATS_FD:
	case OKVM_CAP_VAPIC:
	case OKVM_CAP_SET_BOOT_CPU_ID:
		return 1;
	/* Single-step and breakpoints for a debugger, also on emulated instructions. */
	case OKVM_CAP_SET_GUEST_DEBUG:
	case OKVM_CAP_X86_ROBUST_SINGLESTEP:
		return okvm_hv->guest_debug;
	case OKVM_CAP_COALESCED_MMIO:
		/* The ring's page offset in the vcpu mapping. */
		return OKVM_COALESCED_MMIO_PAGE_OFFSET;
	case OKVM_CAP_MCE:
		return OKVM_MCE_BANKS;
	case OKVM_CAP_IRQ_ROUTING:
		/* The number of routes (GSIs) a table may hold: QEMU sizes its GSI space by it. */
		return OKVM_MAX_IRQ_ROUTES;
	case OKVM_CAP_ADJUST_CLOCK:
		/* The KVM_SET_CLOCK flags okvm takes. */
		return OKVM_CLOCK_REALTIME;
	case OKVM_CAP_XSAVE:
	case OKVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case OKVM_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), OKVM_MAX_VCPUS);
	case OKVM_CAP_MAX_VCPUS:
		return OKVM_MAX_VCPUS;
	case OKVM_CAP_MAX_VCPU_ID:
		return OKVM_MAX_VCPU_ID;
	case OKVM_CAP_NR_MEMSLOTS:
		return OKVM_MAX_SLOTS;
	default:
		return 0;
	}
}

static long okvm_get_msr_index_list(struct okvm_msr_list __user *ul)
{
	u32 n;

	if (get_user(n, &ul->nmsrs))
		return -EFAULT;
	if (put_user(okvm_msr_count, &ul->nmsrs))
		return -EFAULT;
	if (n < okvm_msr_count)
		return -E2BIG;
	if (copy_to_user(ul->indices, okvm_msr_list, okvm_msr_count * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static long okvm_get_supported_cpuid(struct okvm_cpuid2 __user *uc)
{
	struct okvm_cpuid_entry2 *ent;
	struct okvm_cpuid2 c;
	int n;
	long r;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	ent = kvcalloc(OKVM_MAX_CPUID, sizeof(*ent), GFP_KERNEL);
	if (!ent)
		return -ENOMEM;
	n = okvm_supported_cpuid(ent, OKVM_MAX_CPUID);
	r = -E2BIG;
	if (n > c.nent)
		goto out;
	r = -EFAULT;
	c.nent = n;
	if (copy_to_user(uc->entries, ent, n * sizeof(*ent)) || copy_to_user(uc, &c, sizeof(c)))
		goto out;
	r = 0;
out:
	kvfree(ent);
	return r;
}

static long okvm_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case OKVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return OKVM_API_VERSION;
	case OKVM_CREATE_VM:
		return okvm_vm_create(arg);
	case OKVM_CHECK_EXTENSION:
		return okvm_check_extension(NULL, arg);
	case OKVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* The kvm_run page, the PIO data page and the coalesced MMIO ring. */
		return (OKVM_COALESCED_MMIO_PAGE_OFFSET + 1) * PAGE_SIZE;
	case OKVM_GET_MSR_INDEX_LIST:
		return okvm_get_msr_index_list(argp);
	case OKVM_GET_SUPPORTED_CPUID:
		return okvm_get_supported_cpuid(argp);
	case OKVM_X86_GET_MCE_CAP_SUPPORTED: {
		/* Feature bits only, as KVM: the bank count is KVM_CAP_MCE's answer. */
		u64 cap = OKVM_MCG_CAP_BITS;

		return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
	}
	default:
		return -ENOTTY;
	}
}

const struct file_operations okvm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = okvm_dev_ioctl,
	.llseek = noop_llseek,
};
