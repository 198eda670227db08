/** Command-line options of the bench scripts (`--name=value`). */

/** The value of `--name=value` among `argv` (the script's own arguments by default), or undefined. */
export function optionValue(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** `raw` (the value given to `--name`) as a positive integer, `fallback` when not given; throws otherwise. */
export function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`--${name} needs a positive integer`);
  return Number(raw);
}
