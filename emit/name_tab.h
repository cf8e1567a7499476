/* name_tab.h - value-to-name tables as data, ended by {0, NULL} (tcpdump's struct tok). */
#ifndef ZS_NAME_TAB_H
#define ZS_NAME_TAB_H

#include <stdint.h>

struct name_tab {
    uint32_t value;
    const char *name;
};

/* The name of `value`, or NULL when the table does not have it (the first entry wins). */
const char *name_tab_lookup(const struct name_tab *tab, uint32_t value);

/*
 * The first entry named `name`, compared without regard to ASCII case; NULL when none is (or
 * `name` is NULL). Tables may list aliases: several names for one value.
 */
const struct name_tab *name_tab_find(const struct name_tab *tab, const char *name);

#endif
