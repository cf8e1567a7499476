/* name_tab.c - value-to-name tables as data, ended by {0, NULL} (tcpdump's struct tok). */
#include <stddef.h>
#include <strings.h>

#include "name_tab.h"

const char *
name_tab_lookup(const struct name_tab *tab, uint32_t value)
{
    for (; tab->name; tab++)
        if (tab->value == value)
            return tab->name;
    return NULL;
}

const struct name_tab *
name_tab_find(const struct name_tab *tab, const char *name)
{
    if (!name)
        return NULL;
    for (; tab->name; tab++)
        if (strcasecmp(tab->name, name) == 0)
            return tab;
    return NULL;
}
