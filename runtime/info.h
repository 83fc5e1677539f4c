/* --info: what this machine and this sonde can do, checked rather than
 * assumed: versions, kernel features, and for every probe type a tiny
 * program compiled, loaded and attached the way a real run does it. */
#ifndef SONDE_INFO_H
#define SONDE_INFO_H

#include <stdio.h>

int info_print(FILE *f);

#endif
