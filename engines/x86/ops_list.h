/* Declarations of the instruction handlers, for the dispatch table
 * (dispatch.c) and for handlers that defer to one another.  One line per
 * HANDLER(h_...) in ops_*.c, sorted; regenerate with
 *   grep -ho "^HANDLER(h_[a-z0-9_]*)" engines/x86/ops_*.c | sort -u */
#ifndef RINGBENCH_X86_OPS_LIST_H
#define RINGBENCH_X86_OPS_LIST_H

#include <capstone/capstone.h>

#include "engines/x86/ops.h"

HANDLER(h_adc);
HANDLER(h_add);
HANDLER(h_and);
HANDLER(h_bsf);
HANDLER(h_bsr);
HANDLER(h_bswap);
HANDLER(h_bt);
HANDLER(h_btc);
HANDLER(h_btr);
HANDLER(h_bts);
HANDLER(h_call);
HANDLER(h_cbw);
HANDLER(h_cli);
HANDLER(h_clts);
HANDLER(h_cmov);
HANDLER(h_cmp);
HANDLER(h_cmps);
HANDLER(h_cmpxchg);
HANDLER(h_cmpxchgnb);
HANDLER(h_cpuid);
HANDLER(h_cwd);
HANDLER(h_dec);
HANDLER(h_div);
HANDLER(h_enter);
HANDLER(h_flagop);
HANDLER(h_fwait);
HANDLER(h_emms);
HANDLER(h_fxrstor);
HANDLER(h_fxsave);
HANDLER(h_hlt);
HANDLER(h_pause);
HANDLER(h_idiv);
HANDLER(h_imul);
HANDLER(h_in);
HANDLER(h_inc);
HANDLER(h_ins);
HANDLER(h_int);
HANDLER(h_invlpg);
HANDLER(h_iret);
HANDLER(h_jcc);
HANDLER(h_jmp);
HANDLER(h_jrcxz);
HANDLER(h_lea);
HANDLER(h_leave);
HANDLER(h_lgdt);
HANDLER(h_lidt);
HANDLER(h_ljmp);
HANDLER(h_lldt);
HANDLER(h_lmsw);
HANDLER(h_lods);
HANDLER(h_loop);
HANDLER(h_ltr);
HANDLER(h_mov);
HANDLER(h_movcr);
HANDLER(h_movs);
HANDLER(h_movsx);
HANDLER(h_movzx);
HANDLER(h_mul);
HANDLER(h_neg);
HANDLER(h_nop);
HANDLER(h_not);
HANDLER(h_or);
HANDLER(h_out);
HANDLER(h_outs);
HANDLER(h_pop);
HANDLER(h_popf);
HANDLER(h_push);
HANDLER(h_pushf);
HANDLER(h_rcl);
HANDLER(h_rcr);
HANDLER(h_rdmsr);
HANDLER(h_rdpmc);
HANDLER(h_rdtsc);
HANDLER(h_ret);
HANDLER(h_retf);
HANDLER(h_rol);
HANDLER(h_ror);
HANDLER(h_sar);
HANDLER(h_sbb);
HANDLER(h_scas);
HANDLER(h_setcc);
HANDLER(h_sgdt);
HANDLER(h_shl);
HANDLER(h_shld);
HANDLER(h_shr);
HANDLER(h_shrd);
HANDLER(h_sidt);
HANDLER(h_sldt);
HANDLER(h_smsw);
HANDLER(h_sti);
HANDLER(h_stos);
HANDLER(h_str);
HANDLER(h_verr);
HANDLER(h_verw);
HANDLER(h_sub);
HANDLER(h_swapgs);
HANDLER(h_syscall);
HANDLER(h_sysret);
HANDLER(h_test);
HANDLER(h_vmcall);
HANDLER(h_wbinvd);
HANDLER(h_wrmsr);
HANDLER(h_x87);
HANDLER(h_xadd);
HANDLER(h_xchg);
HANDLER(h_xgetbv);
HANDLER(h_xlat);
HANDLER(h_xor);
HANDLER(h_xrstor);
HANDLER(h_xsave);
HANDLER(h_xsaveopt);
HANDLER(h_xsetbv);

#endif
