/* The run loop: engine run, exit dispatch, until the VM finishes or times out. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "engines/core/console.h"
#include "engines/core/status.h"
#include "engines/core/vcpu.h"
#include "engines/core/vcpu_threads.h"
#include "engines/core/vm.h"

static struct vm *volatile running_vm;
/* The stop request is the timeout's (the vCPU scheduler makes its own). */
static volatile sig_atomic_t timed_out;

static void on_timeout(int sig)
{
	struct vm *vm = running_vm;

	(void)sig;
	if (!vm)
		return;
	timed_out = 1;
	vm->stop_requested = 1;
	if (vm->ops->kick)
		vm->ops->kick(vm->engine);
}

/* About once a second: ask an engine that halts out of the VM core's
 * sight (kvm) whether its vCPU can still wake (engine.h halted_forever).
 * A kick a second costs such an engine one extra exit per second. */
#define HALT_PROBE_SIGNAL (SIGRTMIN + 2)
static volatile sig_atomic_t halt_probe_due;

static void on_halt_probe(int sig)
{
	struct vm *vm = running_vm;

	(void)sig;
	if (!vm)
		return;
	halt_probe_due = 1;
	if (vm->ops->kick)
		vm->ops->kick(vm->engine);
}

/* A POSIX timer delivering signo to handler, first after `first` and then
 * every `every` seconds.  No SA_RESTART: KVM_RUN must see EINTR. */
static int arm_timer(timer_t *timer, int signo, void (*handler)(int), double first, double every)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return -1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = signo;
	if (timer_create(CLOCK_MONOTONIC, &sev, timer) < 0)
		return -1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)first;
	its.it_value.tv_nsec = (long)((first - (double)(time_t)first) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	its.it_interval.tv_sec = (time_t)every;
	its.it_interval.tv_nsec = (long)((every - (double)(time_t)every) * 1e9);
	return timer_settime(*timer, 0, &its, NULL);
}

static int arm_halt_probe(timer_t *timer)
{
	return arm_timer(timer, HALT_PROBE_SIGNAL, on_halt_probe, 1, 1);
}

/* Several vCPUs on one host thread: the end of each time slice. */
#define SLICE_SIGNAL (SIGRTMIN + 3)

static void on_slice(int sig)
{
	struct vm *vm = running_vm;

	(void)sig;
	if (!vm)
		return;
	vcpu_sched_slice_end(vm);
	if (vm->ops->kick)
		vm->ops->kick(vm->engine);
}

/* Two answers in a row, a second apart with the vCPU run in between: a
 * timer that expired just as the probe looked (its interrupt not yet
 * injected) is delivered by that run, so only a real halt is seen twice. */
static void probe_halt(struct vm *vm, int *strikes)
{
	char why[200];

	halt_probe_due = 0;
	if (vm->finished)
		return;
	if (!vm->ops->halted_forever(vm->engine, why, sizeof(why)))
		*strikes = 0;
	else if (++*strikes >= 2)
		vm_finish(vm, RB_STATUS_HALTED, "%s", why);
}

/* Re-fire every 100 ms: a kick that lands just before KVM_RUN is not lost. */
static int arm_timeout(timer_t *timer, double seconds)
{
	return arm_timer(timer, SIGALRM, on_timeout, seconds, 0.1);
}

int vm_run(struct vm *vm, double timeout_s)
{
	struct vm_exit exit;
	timer_t timer, probe;
	timer_t slice;
	int have_timer = 0, have_probe = 0, have_slice = 0, halt_strikes = 0, threaded;

	running_vm = vm;
	timed_out = 0;
	if (vm->sched) {
		if (arm_timer(&slice, SLICE_SIGNAL, on_slice, VCPU_SLICE_US * 1e-6, VCPU_SLICE_US * 1e-6) < 0) {
			vm_finish(vm, RB_STATUS_ENGINE_ERROR, "cannot arm the vCPU time slice: %s", strerror(errno));
			return vm->exit_status;
		}
		have_slice = 1;
	}
	if (timeout_s > 0) {
		if (arm_timeout(&timer, timeout_s) < 0) {
			vm_finish(vm, RB_STATUS_ENGINE_ERROR, "cannot arm the timeout: %s", strerror(errno));
			return vm->exit_status;
		}
		have_timer = 1;
	}
	if (vm->ops->halted_forever) {
		halt_probe_due = 0;
		have_probe = arm_halt_probe(&probe) == 0;
	}
	threaded = vm->n_cpus > 1 && vm->ops->run_vcpu;
	if (threaded && vcpu_threads_start(vm) < 0)
		threaded = 1;   /* the VM finished; stop the threads started */
	/* Cleared once: dispatch fills read data and hypercall results that
	 * the engine's next run() consumes. */
	memset(&exit, 0, sizeof(exit));
	while (!vm->finished) {
		if (vm->ops->run(vm->engine, &exit) < 0 && exit.reason != VM_EXIT_INTERNAL_ERROR) {
			exit.reason = VM_EXIT_INTERNAL_ERROR;
			snprintf(exit.error.msg, sizeof(exit.error.msg), "run failed");
		}
		if (threaded)
			vcpu_threads_dispatch(vm, 0, &exit);
		else {
			vcpu_name_exit(vm, vm->cur_cpu, &exit);
			vm_dispatch_exit(vm, &exit);
		}
		if (vm->sched)
			vcpu_sched_after_exit(vm, &exit, timed_out);
		if (halt_probe_due)
			probe_halt(vm, &halt_strikes);
		if (vm->stop_requested && !vm->finished && (!vm->sched || timed_out)) {
			/* With several vCPUs, say which did what: the hung one. */
			char who[600] = "";
			if (vm->sched)
				vcpu_sched_describe(vm, who, sizeof(who));
			else if (threaded)
				vcpu_threads_describe(vm, who, sizeof(who));
			vm_finish(vm, RB_STATUS_TIMEOUT, "guest still running after the %g s timeout%s%s", timeout_s,
				  who[0] ? ": " : "", who);
		}
	}
	if (threaded)
		vcpu_threads_stop(vm);
	if (have_timer)
		timer_delete(timer);
	if (have_probe)
		timer_delete(probe);
	if (have_slice)
		timer_delete(slice);
	running_vm = NULL;
	if (vm->console)
		console_flush(vm->console);
	return vm->exit_status;
}
