/* Loops forever at CPL0: --timeout must stop it. */
#include "multiboot.inc"
_start:
	jmp _start
