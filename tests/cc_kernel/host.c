/* The host side of the test kernel: the same tests (cc_tests.c) as a
 * hosted program, whose output is the expected output of the kernel. */
#include <stdio.h>

#include "tests/cc_kernel/cc.h"

void cc_putc(char c)
{
	putchar(c);
}

int main(void)
{
	cc_tests();
	return 0;
}
