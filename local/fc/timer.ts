import { scheduleProblem } from './schedule';

/** An FC 2.0 time trigger: its name and its TriggerConfig (TimeTriggerConfig's cronExpression, enable, payload). */
export interface TimerTrigger {
  name: string;
  cronExpression: string;
  /** A disabled trigger never fires ("the configured parameters do not take effect"). */
  enable: boolean;
  payload: string;
}

/**
 * One key of a template's time trigger config: FC names the keys in camelCase (cronExpression,
 * enable, payload); ROS style writes PascalCase, which the local ROS accepts for http triggers too.
 */
export const timerConfigValue = (config: Record<string, unknown>, key: 'cronExpression' | 'enable' | 'payload'): unknown =>
  config[key] ?? config[key[0].toUpperCase() + key.slice(1)];

/**
 * The TimerTrigger a deployed ALIYUN::FC::Trigger of type timer describes (for local/cloud.ts).
 * FC's pages do not say what an absent `enable` means; the trigger is taken as disabled, so the
 * local FC never fires one the cloud might not. An absent payload is the empty string.
 */
export function timerTriggerFromConfig(name: string, config: Record<string, unknown>): TimerTrigger {
  const enable = timerConfigValue(config, 'enable');
  const payload = timerConfigValue(config, 'payload');
  return {
    name,
    cronExpression: timerConfigValue(config, 'cronExpression') as string,
    enable: enable === undefined ? false : (enable as boolean),
    payload: payload === undefined ? '' : (payload as string),
  };
}

/**
 * The event a time trigger invokes its function with, as FC documents it ("Time trigger",
 * https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers):
 *   {"triggerTime":"2018-02-09T05:49:00Z","triggerName":"timer-trigger","payload":"awesome-fc"}
 * triggerTime is the time the function is triggered, UTC to the second; payload is the trigger's
 * message as entered (a string, passed through as is).
 */
export function timerEvent(triggerName: string, payload: string, at: number): Buffer {
  return Buffer.from(JSON.stringify({ triggerTime: triggerTime(at), triggerName, payload }), 'utf8');
}

/** An instant as the event's triggerTime writes it: "2018-02-09T05:49:00Z". */
export const triggerTime = (at: number): string => new Date(Math.floor(at / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

/**
 * The largest timer event, payload included. FC documents no limit of its own for a time trigger's
 * payload. Time triggers invoke asynchronously (FC 2.0 lists them among the triggers that run
 * asynchronous tasks, https://help.aliyun.com/zh/functioncompute/fc-2-0/user-guide/event-triggering),
 * and "the maximum payload for an asynchronous invocation is 128 KB"
 * (https://www.alibabacloud.com/help/doc-detail/2527064.html): the event must fit in that.
 */
export const MAX_TIMER_EVENT_BYTES = 128 * 1024;

/** The size of the trigger's event (triggerTime always has the same 20 characters). */
export const timerEventBytes = (triggerName: string, payload: string): number => timerEvent(triggerName, payload, 0).length;

/** Why FC would refuse the trigger's payload, or undefined. */
export function payloadProblem(triggerName: string, payload: unknown): string | undefined {
  if (typeof payload !== 'string') return `payload must be a string, not ${payload === null ? 'null' : typeof payload}`;
  const bytes = timerEventBytes(triggerName, payload);
  if (bytes > MAX_TIMER_EVENT_BYTES)
    return `payload makes a ${bytes.toLocaleString('en-US')}-byte event; an asynchronous invocation takes at most ${MAX_TIMER_EVENT_BYTES.toLocaleString('en-US')} bytes`;
  return undefined;
}

/** Why FC would refuse this trigger (its schedule or its payload), or undefined. */
export function timerTriggerProblem(t: TimerTrigger): string | undefined {
  if (typeof t.enable !== 'boolean') return `enable must be a boolean, not ${typeof t.enable}`;
  return scheduleProblem(t.cronExpression) ?? payloadProblem(t.name, t.payload);
}
