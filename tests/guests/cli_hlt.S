/* Halts with interrupts off: nothing can wake it, so every engine must
 * end it with status 10 instead of running forever (issue 11, item 7). */
#include "multiboot.inc"
_start:
	cli
1:	hlt
	jmp 1b
