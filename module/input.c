// SPDX-License-Identifier: GPL-2.0
/*
 * mmuscope: the one input helper every writable debugfs file and every
 * control parameter goes through, and the parsers they share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "compat.h"
#include "mmuscope.h"

/* One trailing newline is stripped; an empty command or another newline is refused. */
static ssize_t mmu_input_trim(char *buf, size_t len)
{
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* kstrto* would take a second newline: only one is allowed. */
	if (!len || strchr(buf, '\n'))
		return -EINVAL;
	return len;
}

/**
 * mmu_copy_input() - copy a whole write from userspace as a C string
 * @buf:	destination, @size bytes
 * @size:	size of @buf, including the terminating NUL
 * @ubuf:	user buffer
 * @count:	bytes written
 * @ppos:	file position
 *
 * Refuses partial and oversized writes so that a command is never applied
 * from a fragment: the whole command must arrive in one write at offset 0.
 * One trailing newline is stripped; any other newline is refused.  On
 * success *@ppos advances past the write, so that a second write on the
 * same descriptor is refused as a fragment rather than taken as a new
 * command.
 *
 * Return: the length of the string in @buf, or -EINVAL (empty, partial,
 * too long, embedded NUL) or -EFAULT.
 */
ssize_t mmu_copy_input(char *buf, size_t size, const char __user *ubuf,
		       size_t count, loff_t *ppos)
{
	ssize_t len;

	if (*ppos != 0 || count == 0 || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (strlen(buf) != count)
		return -EINVAL;
	len = mmu_input_trim(buf, count);
	if (len < 0)
		return len;
	*ppos += count;
	return len;
}

/**
 * mmu_param_input() - take a parameter value with the rules of mmu_copy_input()
 * @buf:	destination, @size bytes
 * @size:	size of @buf, including the terminating NUL
 * @val:	the value sysfs hands to a parameter's ->set (a C string: sysfs
 *		ends it at the written length, and a NUL inside it ends it early)
 *
 * Return: the length of the string in @buf, or -EINVAL (empty, too long,
 * a newline other than one trailing one).
 */
ssize_t mmu_param_input(char *buf, size_t size, const char *val)
{
	size_t len = strnlen(val, size);

	if (len >= size)
		return -EINVAL;
	memcpy(buf, val, len);
	buf[len] = '\0';
	return mmu_input_trim(buf, len);
}

/**
 * mmu_targets_command() - apply one targets command
 * @buf:	"PID" or "+PID" (add), "-PID" (remove); nothing else
 *
 * Shared by the debugfs targets file and the targets parameter.
 *
 * Return: 0 or the -errno of mmu_target_add() / mmu_target_remove(), or
 * -EINVAL for anything that is not such a command.
 */
int mmu_targets_command(const char *buf)
{
	struct mmu_target *t;
	const char *s = buf;
	bool remove = false;
	int nr;

	if (*s == '+' || *s == '-') {
		remove = *s == '-';
		s++;
	}
	/* kstrtoint would accept a second sign: "+-5" must be refused. */
	if (*s < '0' || *s > '9' || kstrtoint(s, 10, &nr)) {
		pr_warn_ratelimited("targets: \"%s\" is not a pid\n", buf);
		return -EINVAL;
	}
	if (remove)
		return mmu_target_remove(nr);
	t = mmu_target_add(nr);
	if (IS_ERR(t))
		return PTR_ERR(t);
	mmu_target_put(t);
	return 0;
}

/**
 * mmu_parse_user_addr() - parse one user address for translate
 * @buf:	decimal or 0x-prefixed hex, no sign
 * @va:	the address
 *
 * Kernel and non-canonical addresses are refused: the walker never looks
 * at the kernel half (TTBR1 on arm64) through a process's page tables.
 *
 * Return: 0 or -EINVAL.
 */
int mmu_parse_user_addr(const char *buf, unsigned long *va)
{
	/* kstrtoul would take a leading '+': an address has no sign. */
	if (!isdigit(buf[0]) || kstrtoul(buf, 0, va)) {
		pr_warn_ratelimited("translate: \"%s\" is not a number\n", buf);
		return -EINVAL;
	}
	/* This boot's user VA size: 2^47 on arm64 16K without LPA2. */
	if (*va >= mmu_user_va_end()) {
		pr_warn_ratelimited("translate: 0x%lx is %s\n", *va,
				    (long)*va < 0 ? "a kernel address" :
				    "not a canonical user address");
		return -EINVAL;
	}
	return 0;
}
