/**
 * Where progress and summaries are printed. Core code must not import Node, so this talks to
 * `process.stdout` only if the host has one, and falls back to console.log (browsers).
 */
interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
}

function stdout(): Stream | null {
  const p = (globalThis as { process?: { stdout?: Stream } }).process;
  return p?.stdout ?? null;
}

export function isInteractive(): boolean {
  return stdout()?.isTTY === true;
}

/** Writes text with no newline added (for redrawing a progress bar in place). */
export function write(text: string): void {
  const out = stdout();
  if (out) out.write(text);
  else console.log(text);
}

export function printLine(line: string): void {
  write(`${line}\n`);
}
