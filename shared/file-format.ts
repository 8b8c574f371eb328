/**
 * The one home of the `.coffer` file format's constants that more than one room needs: the
 * extension, the first bytes, and the frame-length bounds and default. The core, the CLI, the
 * shell integrations and the renderer all import these (the renderer through shared/), so a
 * change here is a change everywhere. No Node, no DOM.
 */

/** The extension of every encrypted file, with its dot. */
export const COFFER_EXTENSION = '.coffer';
/** The same without the dot, as file-type registrations (Info.plist, the registry) want it. */
export const COFFER_EXTENSION_NAME = 'coffer';

/** ESDK message format version 2. */
export const MESSAGE_FORMAT_VERSION = 0x02;
/** The suite Coffer writes by default: AES-256-GCM, HKDF-SHA512, key commitment, unsigned. */
export const DEFAULT_SUITE_ID = 0x0478;
/** The suite Coffer writes on request (`--signed`): the same, signed with ECDSA P-384, the SDK's default. */
export const SIGNED_SUITE_ID = 0x0578;
/** The first bytes of a file Coffer writes by default: the version, then the suite id. */
export const COFFER_MAGIC = [MESSAGE_FORMAT_VERSION, DEFAULT_SUITE_ID >> 8, DEFAULT_SUITE_ID & 0xff] as const;
/** The first bytes of every file Coffer writes, signed or not: what a file manager's type sniffing matches. */
export const COFFER_MAGICS = [DEFAULT_SUITE_ID, SIGNED_SUITE_ID].map(
  (suite) => [MESSAGE_FORMAT_VERSION, suite >> 8, suite & 0xff] as const,
);

const KiB = 1024;
/** Coffer's bounds on the frame length (the format allows 1..2^32-1): 1 KiB to 16 MiB. */
export const MIN_FRAME_LENGTH = KiB;
export const MAX_FRAME_LENGTH = 16 * KiB * KiB;
/**
 * Measured here (2 cores, 512 MiB, median of 3): 64 KiB frames encrypt at ~600 MiB/s, 256 KiB
 * and 1 MiB at ~840 MiB/s; verification is the same from 64 KiB up. 256 KiB keeps the speed and
 * reads less per frame when a preview seeks, so it is the default.
 */
export const DEFAULT_FRAME_LENGTH = 256 * KiB;

/**
 * How many EDKs a reader tries in one header (the ESDK's maxEncryptedDataKeys): Coffer writes one
 * per key a file is for. The setting (--max-encrypted-data-keys, the app's Settings,
 * COFFER_MAX_EDKS) takes 1..65535, the most a header can hold.
 */
export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 64;
export const MAX_ENCRYPTED_DATA_KEYS_LIMIT = 0xffff;

/**
 * The longest frame the media preview reads: each range request decrypts whole frames, so a file
 * of longer frames (Coffer writes up to 16 MiB) is decrypted, not previewed.
 */
export const MAX_PREVIEW_FRAME_LENGTH = 4 * KiB * KiB;

/** Whether a file name carries the extension (case-insensitively, as file managers match it). */
export function hasCofferExtension(name: string): boolean {
  return name.toLowerCase().endsWith(COFFER_EXTENSION);
}
