/**
 * Reads an input file of the verifier safely: only a regular file, never more than a bound, a gzip stream inflated
 * to no more than the same bound. The verifier imports nothing of the app (docs/architecture.md), so this is its own
 * guard, not the config loader's (lib/read-file.ts does the same for the app).
 *
 * `fs.readFileSync` on a FIFO blocks until something writes to it, and on /dev/zero reads until memory runs out. Here
 * the file is opened without blocking (O_NONBLOCK: opening a FIFO for reading returns at once, POSIX open(2)), its type
 * is read from the open descriptor (it cannot be swapped between the check and the read), and reading stops one byte
 * past the bound.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { InputError } from "./source";

/**
 * The largest plan, state or configuration file read (and the most a gzip file may inflate to): 256 MiB. A
 * `terraform show -json` plan of thousands of resources is tens of MB; JSON.parse needs several times the text's
 * size in memory, so this keeps a wrong file from exhausting it.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`);

/** The bytes of `file`, or an InputError naming the file and why it is not read. */
export function readInputBytes(file: string, maxBytes: number = MAX_INPUT_BYTES): Buffer {
  const fail = (reason: string): never => {
    throw new InputError([`${file}: ${reason}`]);
  };
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`cannot read (${code === "ENOENT" ? "no such file" : (code ?? String(e))})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) fail(`cannot read: it is ${kindOf(stat)}, not a regular file`);
    if (stat.size > maxBytes) fail(`cannot read: it is ${stat.size} bytes; at most ${mib(maxBytes)} are read`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) fail(`cannot read: it is more than ${mib(maxBytes)}; at most that is read`);
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`cannot read (${code === "EISDIR" ? "it is a directory" : (code ?? String(e))})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of `file`: a gzip stream (it starts with 1f 8b, RFC 1952 section 2.3.1) is inflated, to at most the bound. */
export function readInputText(file: string, maxBytes: number = MAX_INPUT_BYTES): string {
  const bytes = readInputBytes(file, maxBytes);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString("utf8");
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes }).toString("utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([
      `${file}: cannot read: ${code === "ERR_BUFFER_TOO_LARGE" ? `it inflates to more than ${mib(maxBytes)}; at most that is read` : `not a valid gzip file (${(e as Error).message.split("\n")[0]})`}`,
    ]);
  }
}
