/*
 * bundle.h - several user programs in one boot module (kernel/proc/bundle.c).
 */
#ifndef KERNEL_PROC_BUNDLE_H
#define KERNEL_PROC_BUNDLE_H

#include "boot.h"

#define BUNDLE_MAGIC "TQBUNDLE" /* its first 8 bytes */
#define BUNDLE_VERSION 1u

/* Replace each module of bi that is a bundle by the programs in it, in
 * their order (their bytes stay where they are). A broken bundle is told
 * in one line and left out; programs past BOOT_MAX_MODULES are told and
 * left out. Before anyone reads bi's modules. */
void boot_unbundle(struct boot_info *bi);

#endif /* KERNEL_PROC_BUNDLE_H */
