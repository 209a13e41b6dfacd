/* The subcommands of `ringbench`. */
#ifndef RINGBENCH_COMMANDS_H
#define RINGBENCH_COMMANDS_H

int cmd_engines(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif
