/* crc.h: CRC-32C (Castagnoli) and CRC-16 (ANSI/ARC), generic checksums for drivers. */
#ifndef RUMPSH_CRC_H
#define RUMPSH_CRC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Both functions update a raw, reflected CRC register: no inversion on the
 * way in or out. That is how ext4 and jbd2 chain their checksums (seed from
 * one call, continue with the next). The textbook CRC-32C of a buffer is
 * crc32c(~0u, buf, len) ^ ~0u.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* CRC-16 with polynomial 0x8005 (reflected 0xA001): ext4's gdt_csum. */
uint16_t crc16(uint16_t crc, const void *buf, size_t len);

#endif
