/* The commands of the lae program; each takes main's argc/argv and returns the exit code. */
#ifndef LAE_CLI_COMMANDS_H
#define LAE_CLI_COMMANDS_H

int cmd_devices(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_solve(int argc, char **argv);
int cmd_score(int argc, char **argv);

int cmd_recon(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_curves(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
