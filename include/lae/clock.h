/* A monotonic clock for the timings lae reports. */
#ifndef LAE_CLOCK_H
#define LAE_CLOCK_H

/* Seconds since an arbitrary fixed point, never going backwards; for differences only. */
double lae_seconds(void);

#endif
