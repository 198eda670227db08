/**
 * The wire contract both sides import: the server builds and checks against these schemas, the
 * client validates what it receives with them. Plain TypeBox and constants, nothing that runs.
 */
export * from './auth';
export * from './close-codes';
export * from './games';
export * from './messages';
export * from './admin';
