/* `ringbench bench --linux`: Debian's kernel and the busybox initramfs
 * (harness/images/linux.sh) booted under each engine, the init's
 * macrobenchmarks timed by the guest and by their arrival (docs/linux.md). */
#ifndef RINGBENCH_BENCH_LINUX_H
#define RINGBENCH_BENCH_LINUX_H

int bench_linux(int argc, char **argv);

#endif
