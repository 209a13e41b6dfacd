/* In long mode, where bt runs translated code: ACPI S5 (SLP_TYP 5 |
 * SLP_EN into PM1a_CNT, answered in place by the PM device), then a PAUSE
 * loop, as Linux's poweroff path spins after its write.  The VM must end
 * at the write, not run the loop (test_vm_finish). */
#include "long_mode.inc"

long_mode:
	mov $0x2000 | (5 << 10), %ax
	mov $0xb004, %dx
	out %ax, %dx
1:	pause
	jmp 1b
