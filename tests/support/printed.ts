/** Everything a test's code prints, through console or straight to stdout/stderr. */
import { spyOn } from 'bun:test';

/** Runs `act` and returns what it printed, one printed call a line. */
export async function capturePrinted(act: () => Promise<void>): Promise<string> {
  const printed: string[] = [];
  const record = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((name) => spyOn(console, name).mockImplementation(record)),
    spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
    spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
  ];
  try {
    await act();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return printed.join('\n');
}
