import OpenAI, { APIError, APIUserAbortError } from "openai";
import { AppError, type AppErrorCode } from "@/server/errors";
import { endpointEnvVars } from "@/server/llm/check-model-endpoint";
import { modelEndpointFetch } from "@/server/llm/model-endpoint-fetch";
import { costOf, findPrice } from "@/server/llm/price-table";
import type { ModelSettings } from "@/server/llm/resolve-model-settings";
import type { CallUsage, CompleteRequest, CompleteResult, LlmClient } from "@/server/llm/types";

export interface LlmClientOptions {
  settings: ModelSettings;
  /** Called once per finished call (after retries), e.g. to store usage rows. */
  onCall?: (usage: CallUsage, request: Pick<CompleteRequest, "role" | "runId">) => void;
  /** First backoff step in ms; tests shrink it. */
  retryBaseMs?: number;
  /** Longest wait between attempts, Retry-After included. */
  retryMaxMs?: number;
}

/** Modes that talk to a paid hosted API and cannot work without a key. */
const KEY_REQUIRED = new Set(["openai", "deepseek"]);
/** The openai package refuses an empty key; local servers and keyless proxies ignore it. */
const PLACEHOLDER_KEY = "not-needed";

/** Tokens the failed attempts of a call consumed (a stream cut after text): the call's usage when it finally fails. */
export function usageOf(error: unknown): CallUsage | undefined {
  return error instanceof AppError ? (error as AppError & { usage?: CallUsage }).usage : undefined;
}

const partialCharsOf = (error: unknown): number => (typeof error === "object" && error !== null ? ((error as { partialChars?: number }).partialChars ?? 0) : 0);

class StreamCutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamCutError";
  }
}

class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = "AttemptTimeoutError";
  }
}

interface Failure {
  retryable: boolean;
  retryAfterMs?: number;
  code: AppErrorCode;
  message: string;
  /** Shown instead of the code's general advice. */
  userMessage?: string;
}

/** The outbound check's refusal of the address a user's endpoint resolved to, somewhere down the SDK's error causes. */
function refusalIn(error: unknown): AppError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) if (cause instanceof AppError) return cause;
  return undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

export function isAbortError(error: unknown): boolean {
  return (
    error instanceof APIUserAbortError ||
    (error instanceof Error && error.name === "AbortError") ||
    (error instanceof DOMException && error.name === "AbortError")
  );
}

/** Retry-After is seconds or an HTTP date; retry-after-ms is an OpenAI extension. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  if (Number.isFinite(Number(value))) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function classify(error: unknown): Failure {
  if (error instanceof AttemptTimeoutError) return { retryable: true, code: "TIMEOUT", message: error.message };
  if (error instanceof StreamCutError) return { retryable: true, code: "UNAVAILABLE", message: error.message };
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const message = `model endpoint answered ${status}: ${error.message}`;
    if (status === 429) {
      return { retryable: true, retryAfterMs: retryAfterMs(error.headers), code: "TOO_MANY_REQUESTS", message };
    }
    if (status >= 500) return { retryable: true, retryAfterMs: retryAfterMs(error.headers), code: "UNAVAILABLE", message };
    if (status === 408) return { retryable: true, code: "TIMEOUT", message };
    if (status === 401 || status === 403) return { retryable: false, code: "UNAVAILABLE", message };
    return { retryable: false, code: "BAD_REQUEST", message };
  }
  // Asking again cannot help: the name resolves to an address this server does not connect to for users.
  const refused = refusalIn(error);
  if (refused) return { retryable: false, code: refused.code, message: refused.message, userMessage: refused.userMessage };
  // No status: the connection failed or dropped (undici "terminated", ECONNRESET, an SSE error event).
  const message = error instanceof Error ? error.message : String(error);
  return { retryable: true, code: "UNAVAILABLE", message: `connection to the model endpoint failed: ${message}` };
}

function userMessageFor(code: AppErrorCode, settings: ModelSettings): string {
  switch (code) {
    case "TOO_MANY_REQUESTS":
      return "The model provider is rate limiting requests. Wait a minute and retry, or lower MAX_PARALLEL_WORKERS.";
    case "TIMEOUT":
      return `The model did not answer within ${settings.timeoutMs / 1000} s. Retry, or raise LLM_TIMEOUT.`;
    case "UNAVAILABLE":
      return `The model endpoint (${settings.mode}, ${settings.baseUrl}) is unreachable or rejected the request. Check its URL and API key under Settings > Models (/settings), or the server's ${endpointEnvVars(settings.mode).join(", ")}.`;
    default:
      return "The model endpoint rejected the request. Check the model names in settings.";
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/** One client for every OpenAI-compatible endpoint (OpenAI, DeepSeek, LiteLLM, Ollama, vLLM). */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  const { settings } = options;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  if (KEY_REQUIRED.has(settings.mode) && !settings.apiKey) {
    throw new AppError("UNAVAILABLE", `LLM_MODE=${settings.mode} needs an API key`, {
      userMessage: `Set an API key for ${settings.mode} (settings page or ${settings.mode.toUpperCase()}_API_KEY).`,
    });
  }
  // Retries are ours (stream cuts count too), so the SDK's own are off.
  const openai = new OpenAI({
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey ?? PLACEHOLDER_KEY,
    maxRetries: 0,
    timeout: settings.timeoutMs,
    fetch: modelEndpointFetch(settings),
  });

  async function attempt(request: CompleteRequest, model: string, attemptNo: number) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.timeoutMs);
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener("abort", onAbort, { once: true });
    let text = "";
    let finishReason: string | undefined;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    const fail = (error: unknown): never => {
      if (request.signal?.aborted) throw abortReason(request.signal);
      if (timedOut) throw new AttemptTimeoutError(settings.timeoutMs);
      throw error;
    };
    try {
      const stream = await openai.chat.completions
        .create(
          {
            model,
            messages: request.messages,
            stream: true,
            stream_options: { include_usage: true },
            ...(request.json ? { response_format: { type: "json_object" as const } } : {}),
          },
          {
            signal: controller.signal,
            headers: { "x-agent-role": request.role, "x-run-id": request.runId },
          },
        )
        .catch(fail);
      try {
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          const token = choice?.delta?.content;
          if (token) {
            text += token;
            request.onToken?.(token);
          }
          if (choice?.finish_reason) finishReason = choice.finish_reason;
        }
      } catch (error) {
        fail(error);
      }
      // The SDK ends the iteration quietly when aborted, so an abort must be checked before "cut".
      if (request.signal?.aborted || timedOut) fail(new Error("aborted"));
      if (!finishReason) throw new StreamCutError("the answer stream ended before the model finished");
      return { text, finishReason, usage };
    } catch (error) {
      if (text.length > 0 && !request.signal?.aborted) {
        request.onDiscard?.({ attempt: attemptNo, reason: classify(error).message, discardedChars: text.length });
        // The provider produced (and bills) this text even though it is thrown away: the call's usage counts it.
        if (typeof error === "object" && error !== null) (error as { partialChars?: number }).partialChars = text.length;
      }
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    async complete(request: CompleteRequest): Promise<CompleteResult> {
      const model = settings.models[request.role];
      const started = performance.now();
      const promptChars = request.messages.reduce((sum, m) => sum + m.content.length, 0);
      // Attempts that streamed text and then failed: estimated from characters, added to the call's usage.
      const wasted = { tokensIn: 0, tokensOut: 0 };
      const usageWith = (tokensIn: number, tokensOut: number, attempts: number, estimated: boolean): CallUsage => ({
        model,
        role: request.role,
        tokensIn: tokensIn + wasted.tokensIn,
        tokensOut: tokensOut + wasted.tokensOut,
        latencyMs: Math.round(performance.now() - started),
        costUsd: costOf(settings.prices, model, tokensIn + wasted.tokensIn, tokensOut + wasted.tokensOut),
        attempts,
        estimated: estimated || wasted.tokensIn + wasted.tokensOut > 0,
        priced: findPrice(settings.prices, model) !== undefined,
      });
      for (let attemptNo = 1; ; attemptNo++) {
        if (request.signal?.aborted) throw abortReason(request.signal);
        try {
          const result = await attempt(request, model, attemptNo);
          const tokensIn = result.usage?.prompt_tokens ?? estimateTokens(promptChars);
          const tokensOut = result.usage?.completion_tokens ?? estimateTokens(result.text.length);
          const usage = usageWith(tokensIn, tokensOut, attemptNo, result.usage === undefined);
          options.onCall?.(usage, request);
          return { text: result.text, finishReason: result.finishReason, usage };
        } catch (error) {
          if (isAbortError(error) || request.signal?.aborted) throw error;
          const partial = partialCharsOf(error);
          if (partial > 0) {
            wasted.tokensIn += estimateTokens(promptChars);
            wasted.tokensOut += estimateTokens(partial);
          }
          const failure = classify(error);
          if (!failure.retryable || attemptNo > settings.maxRetries) {
            const failed = new AppError(
              failure.code,
              `${request.role} call to ${model} failed after ${attemptNo} attempt(s): ${failure.message}`,
              { cause: error, userMessage: failure.userMessage ?? userMessageFor(failure.code, settings) },
            );
            if (wasted.tokensIn + wasted.tokensOut > 0) Object.assign(failed, { usage: usageWith(0, 0, attemptNo, true) });
            throw failed;
          }
          const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** (attemptNo - 1));
          const jittered = backoff / 2 + Math.random() * (backoff / 2);
          await sleep(Math.min(retryMaxMs, Math.max(jittered, failure.retryAfterMs ?? 0)), request.signal);
        }
      }
    },
  };
}
