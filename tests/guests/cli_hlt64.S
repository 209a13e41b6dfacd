/* cli_hlt.S in long mode, where bt runs translated code: halted with
 * interrupts off, status 10 on every engine (issue 11, item 7). */
#include "long_mode.inc"

long_mode:
	cli
1:	hlt
	jmp 1b
