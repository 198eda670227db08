import { setDefaultTimeout } from 'bun:test';

/** The per-test default for the whole suite; see bunfig.toml for why it lives here. */
setDefaultTimeout(30_000);
