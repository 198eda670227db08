import type { Principal } from "../lib/jwt.mjs";

export declare const JSON_HEADERS: Record<string, string>;
export declare function peerEnv(): { port: number; secret: string; eventIdPrefix: string };
export declare function bearerToken(authorization: string | null | undefined): string | null;
export declare function errorBody(code: string, message: string): string;

export interface GameCore {
  authenticate(token: string | null | undefined): Principal | null;
  play(token: string | null, bodyText: string): { status: number; body: string };
  ack(who: Principal): string;
  snapshot(): string;
  pong(): string;
  userOpened(userId: number): void;
  userClosed(userId: number): void;
}

export declare function createGameCore(options: {
  secret: string;
  publish: (userId: number, eventJson: string) => void;
  initialBalance?: number;
  eventIdPrefix?: string;
}): GameCore;
