// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberately broken module for the vm tier's self-test: it provides the device the
 * tier expects and then warns. The tier must report this run as failed; if it does not,
 * the tier cannot see a broken okvm.ko either.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>

static const struct file_operations canary_fops = {
	.owner = THIS_MODULE,
};

static struct miscdevice canary_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "okvm",
	.fops = &canary_fops,
};

static int __init canary_init(void)
{
	int ret = misc_register(&canary_dev);

	WARN_ON(1);
	return ret;
}

static void __exit canary_exit(void)
{
	misc_deregister(&canary_dev);
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("okvm vm-tier self-test: a module that warns at load");
