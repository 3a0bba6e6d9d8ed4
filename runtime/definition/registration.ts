import type { AnyDeclaredEvent, AnyStream, JsonValue, Registration } from "../contract/types.ts";
import type { Registry } from "./registry.ts";

/** The registered triggers, streams and declared events as plain data, as `registration()` answers them. */
export function describeRegistration(
  registry: Registry,
  streams: ReadonlyMap<string, AnyStream>,
  events: ReadonlyMap<string, AnyDeclaredEvent>,
): Registration {
  return {
    triggers: [...registry.values()].map(
      ({ trigger, kind, concurrency, acquireDeadlineMs, retry, intentVersion, timeouts, schedules, cancelOn }) => ({
        kind,
        intentEventKind: trigger.intentEventKind,
        description: trigger.description ?? null,
        cancellation: trigger.cancellation,
        concurrency,
        acquireDeadlineMs,
        retry,
        intentVersion,
        intentSchema: trigger.intentSchema ?? null,
        cancelOn,
        timeouts,
        // Checked as plain JSON at registration.
        schedules: schedules.map(({ timing: _, ...schedule }) => schedule as typeof schedule & { payload: JsonValue }),
      }),
    ),
    streams: [...streams.values()].map((stream) => ({
      kind: stream.kind,
      cancellation: stream.cancellation,
      onDetach: stream.onDetach,
      startSchema: stream.startSchema ?? null,
    })),
    events: [...events.values()].map((event) => ({
      kind: event.kind,
      description: event.description ?? null,
      payloadSchema: event.payloadSchema ?? null,
    })),
  };
}
