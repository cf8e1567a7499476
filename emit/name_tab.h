/* name_tab.h - value-to-name tables as data, ended by {0, NULL} (tcpdump's struct tok). */
#ifndef ZS_NAME_TAB_H
#define ZS_NAME_TAB_H

#include <stdint.h>

struct name_tab {
    uint32_t value;
    const char *name;
};

/* The name of `value`, or NULL when the table does not have it. */
const char *name_tab_lookup(const struct name_tab *tab, uint32_t value);

#endif
