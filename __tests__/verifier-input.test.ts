/**
 * The verifier's own input guard (issue 16): a plan, state or configuration file that is a FIFO, a device, too large
 * or a gzip bomb is one error line and exit 2, never a hang or memory exhaustion.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readJson } from "../verifier/input/cdktf-out";
import { MAX_INPUT_BYTES, readInputText } from "../verifier/input/read-bounded";
import { InputError } from "../verifier/input/source";
import { tempDir } from "./helpers";

const CLI = path.resolve(__dirname, "..", "dist", "verifier", "cli.js");

function problemsOf(read: () => unknown): readonly string[] {
  try {
    read();
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  throw new Error("was read");
}

describe("verifier input files", () => {
  test("a FIFO given as a plan file is refused at once by the CLI: one line, exit 2", () => {
    const file = path.join(tempDir("plan"), "network.plan.json");
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const r = spawnSync(process.execPath, [CLI, file], { encoding: "utf8", timeout: 20_000 });
    expect({ code: r.status, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `error: ${file}: cannot read: it is a FIFO (named pipe), not a regular file\n`,
    });
  });

  test("/dev/zero behind a plan file name is refused without reading it", () => {
    const file = path.join(tempDir("plan"), "network.plan.json");
    fs.symlinkSync("/dev/zero", file);
    expect(problemsOf(() => readJson(file))).toEqual([`${file}: cannot read: it is a character device, not a regular file`]);
  });

  test("a file over the bound is refused by its size", () => {
    const file = path.join(tempDir("plan"), "network.plan.json");
    fs.writeFileSync(file, Buffer.alloc(2048, 0x20));
    expect(problemsOf(() => readInputText(file, 1024))).toEqual([`${file}: cannot read: it is 2048 bytes; at most 1024 bytes are read`]);
  });

  test("a gzip file that inflates past the bound is refused, not inflated", () => {
    const file = path.join(tempDir("plan"), "network.plan.json.gz");
    fs.writeFileSync(file, zlib.gzipSync(Buffer.alloc(64 * 1024, 0x20)));
    expect(problemsOf(() => readInputText(file, 4096))).toEqual([
      `${file}: cannot read: it inflates to more than 4096 bytes; at most that is read`,
    ]);
  });

  test("a gzip plan within the bound still reads", () => {
    const file = path.join(tempDir("plan"), "network.plan.json.gz");
    fs.writeFileSync(file, zlib.gzipSync(Buffer.from('{"format_version":"1.2"}')));
    expect(readJson(file)).toEqual({ format_version: "1.2" });
    expect(MAX_INPUT_BYTES).toBe(256 * 1024 * 1024);
  });
});
