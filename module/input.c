// SPDX-License-Identifier: GPL-2.0
/* mmuscope: the one input helper every writable debugfs file goes through. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>
#include <linux/uaccess.h>
#include "mmuscope.h"

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
	size_t len;

	if (*ppos != 0 || count == 0 || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	len = strlen(buf);
	if (len != count)
		return -EINVAL;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* kstrto* would take a second newline: only one is allowed. */
	if (!len || strchr(buf, '\n'))
		return -EINVAL;
	*ppos += count;
	return len;
}
