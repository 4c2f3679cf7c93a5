/**
 * JPEG and PNG codecs, pinned (image-folder datasets).
 *
 * @module
 */
export { default as jpeg } from "npm:jpeg-js@0.4.4";
export { PNG } from "npm:pngjs@7.0.0";
