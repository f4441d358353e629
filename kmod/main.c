// SPDX-License-Identifier: GPL-2.0-only
/* okvm.ko: module init/exit, backend probe, the misc device. */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/string.h>
#include <asm/processor.h>

#include "okvm.h"
#include "hv.h"

static char *devname = "okvm";
module_param(devname, charp, 0444);
MODULE_PARM_DESC(devname, "name of the device node under /dev (default okvm)");

const struct okvm_hv_ops *okvm_hv;

static struct miscdevice okvm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.fops = &okvm_dev_fops,
	/* Root only until udev applies the packaged rule (0660, group kvm). */
	.mode = 0600,
};

static int __init okvm_init(void)
{
	char feat[160] = "";
	int r;

	if (!devname || !devname[0] || strchr(devname, '/')) {
		pr_err("okvm: invalid devname parameter\n");
		return -EINVAL;
	}

	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		okvm_hv = &svm_hv_ops;
		break;
	case X86_VENDOR_INTEL:
	case X86_VENDOR_ZHAOXIN:
	case X86_VENDOR_CENTAUR:
		okvm_hv = &vmx_hv_ops;
		break;
	default:
		pr_err("okvm: unsupported CPU vendor, need AMD SVM or Intel VMX\n");
		return -ENODEV;
	}

	r = okvm_hv->probe(feat, sizeof(feat));
	if (r)
		return r;
	r = okvm_hv->init();
	if (r)
		return r;
	okvm_fpu_caps_init();

	okvm_misc.name = devname;
	r = misc_register(&okvm_misc);
	if (r) {
		pr_err("okvm: cannot register /dev/%s: %d\n", devname, r);
		okvm_hv->exit();
		return r;
	}
	pr_info("okvm: %s loaded: %s, device /dev/%s\n", OKVM_VERSION, feat, devname);
	return 0;
}

static void __exit okvm_exit(void)
{
	misc_deregister(&okvm_misc);
	okvm_hv->exit();
}

module_init(okvm_init);
module_exit(okvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("okvm: the KVM userspace interface on /dev/okvm");
MODULE_VERSION(OKVM_VERSION);
