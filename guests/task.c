/* Two user tasks, each with its own address space (CR3): task A runs the
 * user-mode benchmarks through user_call(); task B exists for the context
 * switch benchmark.  SYS_YIELD swaps the saved trap frames and CR3. */
#include "guests/kernel.h"
#include "guests/x86.h"

struct task {
	struct trapframe tf;
	uint64_t cr3;
	int runnable;
};

static struct task tasks[2];
static int current;
extern uint8_t task_b_stack_top[];

void task_init(void)
{
	tasks[0].cr3 = (uint64_t)pml4_a;
	tasks[0].runnable = 1;
	tasks[1].cr3 = (uint64_t)pml4_b;
}

void task_b_start(void (*entry)(void))
{
	tasks[1].tf = (struct trapframe){
		.rip = (uint64_t)entry, .cs = USER_CS | 3, .rflags = 0x202,
		.rsp = (uint64_t)task_b_stack_top, .ss = USER_DS | 3,
	};
	tasks[1].runnable = 1;
}

void task_yield(struct trapframe *tf)
{
	int next = !current;

	tf->rax = 0;
	if (!tasks[next].runnable)
		return;
	tasks[current].tf = *tf;
	*tf = tasks[next].tf;
	write_cr3(tasks[next].cr3);
	current = next;
	kcnt.switches++;
}
