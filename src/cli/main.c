/* lae: the command-line program. Dispatches to one function per command. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: lae COMMAND [OPTIONS]\n");
        return 2;
    }
    fprintf(stderr, "lae: unknown command '%s'\n", argv[1]);
    return 2;
}
