/* One host thread per vCPU (engines/core/vcpu_threads.h). */
#include "engines/core/vcpu_threads.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engines/core/status.h"
#include "engines/core/steal_time.h"
#include "engines/core/vcpu.h"
#include "engines/core/vm.h"

/* Interrupts a thread inside the engine's run (KVM_RUN returns EINTR). */
#define KICK_SIGNAL (SIGRTMIN + 4)

static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t threads[VM_MAX_CPUS], main_thread;
static volatile int running[VM_MAX_CPUS];
static volatile uint64_t last_exit_ns[VM_MAX_CPUS];     /* CLOCK_MONOTONIC */

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
static unsigned n_threads;
static uint64_t delay_ns[VM_MAX_CPUS];  /* each AP thread's run delay, at its end */
static unsigned n_ended;                /* threads whose delay_ns is in */

static void on_kick(int sig) { (void)sig; }

static void kick_all(struct vm *vm, unsigned except)
{
	if (vm->ops->kick)
		vm->ops->kick(vm->engine);
	if (except != 0)
		pthread_kill(main_thread, KICK_SIGNAL);
	for (unsigned i = 1; i <= n_threads; i++)
		if (i != except && running[i])
			pthread_kill(threads[i], KICK_SIGNAL);
}

void vcpu_threads_dispatch(struct vm *vm, unsigned id, struct vm_exit *x)
{
	if (id < VM_MAX_CPUS)
		last_exit_ns[id] = mono_ns();
	pthread_mutex_lock(&vm_lock);
	vcpu_name_exit(vm, id, x);
	vm_dispatch_exit(vm, x);
	pthread_mutex_unlock(&vm_lock);
	if (vm->finished)
		kick_all(vm, id);
}

struct ap_arg {
	struct vm *vm;
	unsigned id;
};
static struct ap_arg args[VM_MAX_CPUS];

static void *ap_thread(void *p)
{
	struct ap_arg *a = p;
	struct vm *vm = a->vm;
	struct vm_exit x;
	sigset_t set;

	/* The timers' signals go to vCPU 0's thread; this one takes kicks. */
	sigfillset(&set);
	sigdelset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	memset(&x, 0, sizeof(x));
	while (!vm->finished && !vm->stop_requested) {
		if (vm->ops->run_vcpu(vm->engine, a->id, &x) < 0 && x.reason != VM_EXIT_INTERNAL_ERROR) {
			x.reason = VM_EXIT_INTERNAL_ERROR;
			snprintf(x.error.msg, sizeof(x.error.msg), "run failed");
		}
		if (x.reason == VM_EXIT_INTERRUPTED)
			continue;
		vcpu_threads_dispatch(vm, a->id, &x);
	}
	delay_ns[a->id] = host_thread_run_delay_ns();
	running[a->id] = 0;
	return NULL;
}

int vcpu_threads_start(struct vm *vm)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);      /* no SA_RESTART: KVM_RUN sees EINTR */
	main_thread = pthread_self();
	n_threads = 0;
	for (unsigned i = 0; i < VM_MAX_CPUS; i++)
		last_exit_ns[i] = mono_ns();
	for (unsigned i = 1; i < vm->n_cpus; i++) {
		int rc;
		args[i] = (struct ap_arg){ vm, i };
		running[i] = 1;
		if ((rc = pthread_create(&threads[i], NULL, ap_thread, &args[i])) != 0) {
			running[i] = 0;
			vm_finish(vm, RB_STATUS_ENGINE_ERROR, "cannot start vCPU %u's thread: %s", i, strerror(rc));
			return -1;
		}
		n_threads = i;
	}
	return 0;
}

void vcpu_threads_describe(struct vm *vm, char *out, size_t len)
{
	uint64_t now = mono_ns();

	out[0] = '\0';
	for (unsigned i = 0; i < vm->n_cpus && i < VM_MAX_CPUS; i++) {
		size_t l = strlen(out);
		double s = (double)(now - last_exit_ns[i]) / 1e9;
		snprintf(out + l, len - l, "%svCPU %u %s %.1f s", i ? "; " : "", i,
			 s >= 1 ? "no exit for" : "last exit", s);
		if (s < 1)
			snprintf(out + strlen(out), len - strlen(out), " ago");
	}
}

void vcpu_threads_stop(struct vm *vm)
{
	struct timespec pause = { 0, 2000000 };

	for (unsigned i = 1; i <= n_threads; i++) {
		/* A kick can land just before the thread enters KVM_RUN:
		 * repeat until it has left. */
		while (running[i]) {
			kick_all(vm, 0);
			nanosleep(&pause, NULL);
		}
		pthread_join(threads[i], NULL);
	}
	n_ended = n_threads;
	n_threads = 0;
}

int vcpu_threads_pin(unsigned m, char *err, size_t len)
{
	cpu_set_t allowed, pin;
	unsigned have = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
		snprintf(err, len, "cannot read this process's CPU affinity: %s", strerror(errno));
		return -1;
	}
	CPU_ZERO(&pin);
	for (int c = 0; c < CPU_SETSIZE && have < m; c++)
		if (CPU_ISSET(c, &allowed)) {
			CPU_SET(c, &pin);
			have++;
		}
	if (have < m) {
		snprintf(err, len, "--host-cpus %u: only %u host CPUs are available to this process", m, have);
		return -1;
	}
	if (sched_setaffinity(0, sizeof(pin), &pin) < 0) {
		snprintf(err, len, "cannot pin to %u host CPUs: %s", m, strerror(errno));
		return -1;
	}
	return 0;
}

size_t vcpu_threads_counters(struct vm *vm, struct engine_counter *out, size_t max)
{
	uint64_t all = host_thread_run_delay_ns();      /* vCPU 0's: this thread */
	size_t n = 0;

	if (vm->n_cpus < 2 || !n_ended)
		return 0;
	for (unsigned i = 1; i <= n_ended; i++)
		all += delay_ns[i];
	engine_counter_put(out, max, &n, "vcpu.run_delay_us", all / 1000);
	return n;
}
