/*
 * `lae devices`: every OpenCL platform and device, with what lae needs to know of each.
 * With --json, one array of objects on stdout.
 */
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/common.h"

int cmd_devices(int argc, char **argv) {
    int json = 0;
    flag_spec flags[] = {
        {"json", FLAG_BOOL, &json, "", "one JSON array on stdout", 0},
    };
    int parsed = flags_parse("devices", "[--json]", flags, 1, argc, argv, 2, NULL, 0, NULL);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }

    lae_device_info *infos = NULL;
    size_t count = 0;
    if (lae_device_list(&infos, &count) != LAE_OK) {
        return report_error("devices");
    }

    if (json) {
        json_writer w;
        json_init(&w, stdout);
        json_array_begin(&w, NULL);
        for (size_t i = 0; i < count; i++) {
            const lae_device_info *d = &infos[i];
            json_object_begin(&w, NULL);
            json_int(&w, "index", d->index);
            json_string(&w, "platform", d->platform);
            json_string(&w, "name", d->name);
            json_string(&w, "vendor", d->vendor);
            json_string(&w, "type", lae_device_type_name(d->type));
            json_string(&w, "driver", d->driver);
            json_string(&w, "version", d->version);
            json_string(&w, "opencl_c", d->c_version);
            json_int(&w, "compute_units", d->compute_units);
            json_int(&w, "global_mem_bytes", (long long)d->global_mem);
            json_int(&w, "max_alloc_bytes", (long long)d->max_alloc);
            json_bool(&w, "fp64", d->fp64);
            json_bool(&w, "native_kernels", d->native_kernels);
            json_object_end(&w);
        }
        json_array_end(&w);
    } else {
        for (size_t i = 0; i < count; i++) {
            const lae_device_info *d = &infos[i];
            printf("%d: %s\n", d->index, d->name);
            printf("    platform       %s\n", d->platform);
            printf("    vendor         %s\n", d->vendor);
            printf("    type           %s\n", lae_device_type_name(d->type));
            printf("    driver         %s\n", d->driver);
            printf("    OpenCL C       %s\n", d->c_version);
            printf("    compute units  %u\n", d->compute_units);
            printf("    global memory  %.2f GiB\n", (double)d->global_mem / 1073741824.0);
            printf("    max allocation %.2f GiB\n", (double)d->max_alloc / 1073741824.0);
            printf("    fp64           %s\n", d->fp64 ? "yes" : "no");
        }
    }
    free(infos);
    return 0;
}
