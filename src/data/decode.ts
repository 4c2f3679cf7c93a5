/**
 * Image decoding (PNG via pngjs, JPEG via jpeg-js) and per-channel statistics.
 *
 * @module
 */
import { jpeg, PNG } from "../deps/images.ts";
import { Buffer } from "node:buffer";
import { DataIntegrityError } from "../util/errors.ts";

/** A decoded image: `channels` is 1 (grey) or 3 (colour); `data` has `srcChannels` per pixel. */
export interface Decoded {
  width: number;
  height: number;
  channels: 1 | 3;
  srcChannels: number;
  data: Uint8Array;
}

/** Decodes a PNG or JPEG file (by content) with pngjs / jpeg-js. */
export function decodeImage(bytes: Uint8Array, path: string): Decoded {
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
      const color = (png as unknown as { color?: boolean }).color !== false;
      return {
        width: png.width,
        height: png.height,
        channels: color ? 3 : 1,
        srcChannels: 4,
        data,
      };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      const c = img.data.length / (img.width * img.height);
      return {
        width: img.width,
        height: img.height,
        channels: c === 1 ? 1 : 3,
        srcChannels: c,
        data: img.data,
      };
    }
  } catch (e) {
    throw new DataIntegrityError(path, `Cannot decode image "${path}": ${(e as Error).message}`);
  }
  throw new DataIntegrityError(path, `Cannot decode image "${path}": not a PNG or JPEG file`);
}

/** Per-channel mean/std of uint8 NHWC pixels scaled to [0, 1]. */
export function channelStats(x: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels), sq = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    const v = x[i], c = i % channels;
    sum[c] += v;
    sq[c] += v * v;
  }
  const n = Math.max(1, x.length / channels);
  const mean = Array.from(sum, (s) => s / n / 255);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(0, s / n / 65025 - mean[c] ** 2)) || 1);
  return { mean, std };
}
