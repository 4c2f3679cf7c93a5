/**
 * CSV reading and writing, pinned.
 *
 * @module
 */
export { parse } from "npm:csv-parse@7.0.3/sync";
export { stringify } from "npm:csv-stringify@6.9.0/sync";
