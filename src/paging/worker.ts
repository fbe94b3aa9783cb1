import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { publishAll } from '../realtime/events.js';
import { ESCALATION_SCOPE, type PubSub } from '../realtime/pubsub.js';
import { nextStepDueAt, runDueStep, type PagingSettings } from '../services/escalation.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface PagingWorkerOptions extends Pick<PagingSettings, 'minuteMs'> {
  /** The longest sleep between two looks at the steps. */
  pollMs: number;
  /** Called when a step wrote pages to the outbox, so they go out now rather than at the outbox's next poll. */
  onNotified: () => void;
  /** Each step runs in an `escalation.step` span when tracing is on, continuing the trace that scheduled it (see runDueStep). */
  tracing?: Tracing | null;
}

export interface PagingWorker {
  /** Finishes the step under way and stops. */
  stop(): Promise<void>;
}

/**
 * Another instance holds the due step: look again a little later rather than spin until it commits.
 * Also the resolution of a schedule: steps run at most this late after their time.
 */
const MIN_SLEEP_MS = 20;

/**
 * The one poller of escalation steps in this process, beside the outbox worker: it carries out
 * every due step (any instance may; each step runs once, see runDueStep), then sleeps until the
 * next step is due, the poll interval passes, or a new step is announced over the pub/sub. No
 * incident has a timer of its own in memory: a restart loses nothing, and steps that fell due
 * while no instance ran are carried out at once, oldest first.
 */
export async function startPagingWorker(prisma: PrismaClient, pubsub: PubSub, logger: Logger, options: PagingWorkerOptions): Promise<PagingWorker> {
  let stopped = false;
  let woken = false;
  let wake: (() => void) | null = null;
  const unlisten = await pubsub.listen('escalation.due', ESCALATION_SCOPE, () => {
    woken = true;
    wake?.();
  });
  const loop = (async () => {
    while (!stopped) {
      woken = false;
      let next: Date | null = null;
      try {
        // One cheap read while nothing is due; claims only when something is.
        next = await nextStepDueAt(prisma);
        while (!stopped && next && next.getTime() <= Date.now()) {
          const result = await runDueStep(prisma, options);
          // Due but held by another instance: look again shortly.
          if (!result) break;
          publishAll(pubsub, result.events);
          if (result.notified) options.onNotified();
          next = await nextStepDueAt(prisma);
        }
      } catch (error) {
        if (!stopped) logger.error({ err: error }, 'paging worker failed a round; retrying');
      }
      if (stopped) break;
      const untilNext = next ? next.getTime() - Date.now() : options.pollMs;
      const sleepMs = Math.max(MIN_SLEEP_MS, Math.min(options.pollMs, untilNext));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleepMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (woken) wake();
      });
      wake = null;
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await loop;
      unlisten();
    },
  };
}
