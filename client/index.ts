/**
 * The typed client of the game-event server: REST through `GameClient`, the player's events
 * through `GameStream`, the admin monitor through `MonitorStream`. See client/README.md.
 */
export { GameClient, type GameClientOptions } from './rest';
export { GameStream, MonitorStream, type GameStreamOptions, type MonitorStreamOptions } from './streams';
export { SocketStream, SUBPROTOCOL, type GetToken, type MessageOf, type StreamEvents, type StreamOptions, type StreamState, type WebSocketFactory, type WebSocketLike } from './socket-stream';
export { ApiError } from './errors';
export { backoffDelay, DEFAULT_BACKOFF, patientBackoffDelay, realScheduler, refreshDelayMs, type BackoffOptions, type Scheduler } from './scheduler';
export { GAME_NAMES, GAME_PATHS, PlayResponses, type GameEvent, type PlayResponse, type GameName, type PlayBodies, type PlayOptions, type ServerMessage, type TokenResponse, type User } from './model';
