/**
 * Base64 encoding of text or bytes (UTF-8 for text), for `data:` URLs in the HTML report.
 *
 * @module
 */

/**
 * Encodes text (as UTF-8) or bytes as base64.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * if (encodeBase64("λ") !== "zrs=") throw new Error("bad base64");
 * ```
 */
export function encodeBase64(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}
