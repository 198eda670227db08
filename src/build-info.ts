/**
 * What `games_build_info` says this process runs: the package version, the commit, and Bun's
 * version. The commit is `GIT_COMMIT` when the deployment sets it (an image has no `.git`),
 * otherwise asked of git once per process, and `unknown` when neither answers.
 */
import packageJson from '../package.json';

export type BuildInfo = { version: string; commit: string; bun: string };

let checkedOut: string | undefined;

/** The commit the source is checked out at, or `unknown` (no git, no repository). */
function checkoutCommit(): string {
  if (checkedOut !== undefined) return checkedOut;
  try {
    const result = Bun.spawnSync(['git', 'rev-parse', 'HEAD'], { cwd: import.meta.dir, stdout: 'pipe', stderr: 'ignore' });
    const head = result.stdout.toString().trim();
    checkedOut = result.exitCode === 0 && /^[0-9a-f]{7,64}$/.test(head) ? head : 'unknown';
  } catch {
    checkedOut = 'unknown';
  }
  return checkedOut;
}

export function buildInfo(configuredCommit: string | undefined): BuildInfo {
  return { version: packageJson.version, commit: configuredCommit ?? checkoutCommit(), bun: Bun.version };
}
