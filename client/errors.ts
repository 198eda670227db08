/** The one error every REST call of the client rejects with. */

/**
 * A refused or failed request: `status` and `code` as the server's `{ error: { code, message } }`
 * body says (API.md, "REST"). A request that never got an answer has `status` 0 and code
 * `network_error`; an answer that is not the server's JSON error has code `http_<status>`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before retrying, from `Retry-After` (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The ApiError a non-2xx response stands for. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  const retryAfterHeader = Number(response.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : undefined;
  const error = (parseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') return new ApiError(response.status, error.code, error.message, retryAfter);
  return new ApiError(response.status, `http_${response.status}`, text.slice(0, 200) || response.statusText, retryAfter);
}

export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
