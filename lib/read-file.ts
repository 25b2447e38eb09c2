/**
 * Reads a file a user named, safely: only a regular file, and never more than a bound. `fs.readFileSync` on a FIFO
 * blocks until something writes to it, and on /dev/zero (or a multi-gigabyte file) it reads until memory runs out;
 * here the file is opened without blocking (O_NONBLOCK: opening a FIFO for reading returns at once, POSIX open(2)),
 * its type is taken from the open descriptor (so it cannot be swapped between the check and the read), and at most
 * `maxBytes + 1` bytes are read.
 */
import * as fs from "node:fs";

export type ReadResult = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly reason: string };

/** What a non-regular file is, in words. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** A size in words: bytes, and MiB when it is that large. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${bytes} bytes (${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB)`
    : `${bytes} bytes`;
}

/** The bytes of `file` when it is a regular file of at most `maxBytes`; otherwise why not, in one phrase. */
export function readRegularFile(file: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (code ?? String(e)) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: `is ${kindOf(stat)}, not a regular file` };
    if (stat.size > maxBytes) return { ok: false, reason: `is ${sizeText(stat.size)}; at most ${sizeText(maxBytes)} are read` };
    // The size can change while reading: read to the end in chunks, but never past the bound.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) return { ok: false, reason: `is more than ${sizeText(maxBytes)}; at most that is read` };
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "EISDIR" ? "is a directory, not a regular file" : (code ?? String(e)) };
  } finally {
    fs.closeSync(fd);
  }
}
