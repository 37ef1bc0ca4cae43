import { describe, expect, it } from "vitest";
import { execFileFromHelper } from "./small-spawner.js";

const options = { timeout: 30_000, maxBuffer: 1 << 20, env: {} };
const node = (script: string) => [process.execPath, ["-e", script]] as const;

describe("execFileFromHelper", () => {
  it("returns what the command printed, run from the helper process", async () => {
    const [file, args] = node("process.stdout.write(String(process.ppid)); process.stderr.write('note')");
    const out = await execFileFromHelper(file, [...args], options);
    expect(out.error).toBeUndefined();
    expect(out.stderr).toBe("note");
    // The command's parent is the helper, not this process.
    expect(Number(out.stdout)).not.toBe(process.pid);
  });

  it("reports a failing command with its exit code and output, and a timeout as killed", async () => {
    const [file, args] = node("process.stderr.write('bad input'); process.exit(3)");
    const failed = await execFileFromHelper(file, [...args], options);
    expect(failed.error?.code).toBe(3);
    expect(failed.stderr).toBe("bad input");
    const [slow, slowArgs] = node("setTimeout(() => {}, 10000)");
    const killed = await execFileFromHelper(slow, [...slowArgs], { ...options, timeout: 200 });
    expect(killed.error?.killed).toBe(true);
  });

  it("runs requests concurrently through one helper", async () => {
    const [file, args] = node("process.stdout.write(String(process.ppid))");
    const outs = await Promise.all(Array.from({ length: 5 }, () => execFileFromHelper(file, [...args], options)));
    expect(new Set(outs.map((o) => o.stdout)).size).toBe(1);
  });
});
