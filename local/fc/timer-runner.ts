import { randomUUID } from 'node:crypto';
import type { FunctionSpec, InvokeResult } from './instance';
import { parseSchedule, type Schedule } from './schedule';
import { SYSTEM_CLOCK, TimerScheduler, type TimerClock } from './scheduler';
import { timerEvent, timerTriggerProblem, triggerTime, type TimerTrigger } from './timer';

interface ArmedTrigger {
  spec: FunctionSpec;
  trigger: TimerTrigger;
  schedule: Schedule;
}

export interface TimerRunnerOptions {
  /** Runs the function with an event, as an invocation would (credentials, context, instance). */
  invoke: (spec: FunctionSpec, event: Buffer, requestId: string) => Promise<InvokeResult>;
  log?: (line: Record<string, unknown>) => void;
  clock?: TimerClock;
}

/**
 * The time triggers of the local FC: each function's triggers checked when the emulator is built
 * (a schedule FC would refuse is refused before anything starts), fired on schedule once start()
 * is called, or one at a time by fire().
 *
 * A firing whose previous run of the same trigger is still going is skipped and logged. FC itself
 * would start the run anyway (time triggers invoke asynchronously, on another instance if need be);
 * the local FC has one instance per function, where overlapping runs of a slow job would pile up.
 */
export class TimerRunner {
  private readonly triggers = new Map<string, ArmedTrigger>();
  private readonly running = new Set<string>();
  private readonly clock: TimerClock;
  private scheduler?: TimerScheduler;

  constructor(
    functions: readonly FunctionSpec[],
    private readonly opts: TimerRunnerOptions,
  ) {
    this.clock = opts.clock ?? SYSTEM_CLOCK;
    for (const spec of functions) {
      for (const trigger of spec.timerTriggers ?? []) {
        const key = triggerKey(spec.serviceName, spec.functionName, trigger.name);
        const where = `function ${spec.serviceName}/${spec.functionName}: timer trigger '${trigger.name}'`;
        // FC keys a trigger by its name within the function.
        if (this.triggers.has(key)) throw new Error(`${where} is defined twice`);
        const problem = timerTriggerProblem(trigger);
        if (problem) throw new Error(`${where}: ${problem}`);
        this.triggers.set(key, { spec, trigger, schedule: parseSchedule(trigger.cronExpression) });
      }
    }
  }

  /** Fires every enabled trigger on its schedule from now on. */
  start(): void {
    if (this.scheduler) return;
    const scheduler = new TimerScheduler(this.clock, (key, at) => {
      // The run's outcome, skip or failure is logged by fire(); the scheduler has no one to tell.
      this.fire(this.triggers.get(key)!, at).catch(() => undefined);
    });
    for (const [key, armed] of this.triggers) if (armed.trigger.enable) scheduler.add(key, armed.schedule);
    this.scheduler = scheduler;
  }

  stop(): void {
    this.scheduler?.stop();
  }

  /**
   * Fires one trigger now (the function's only one when `triggerName` is omitted) and resolves with
   * the function's result. Rejects for an unknown or disabled trigger (FC never fires a disabled
   * one), and when the trigger's previous run is still going (the firing is skipped).
   */
  fireNow(serviceName: string, functionName: string, triggerName?: string): Promise<InvokeResult> {
    const own = [...this.triggers.values()].filter((a) => a.spec.serviceName === serviceName && a.spec.functionName === functionName);
    const fn = `function ${serviceName}/${functionName}`;
    if (!own.length) return Promise.reject(new Error(`${fn} has no timer trigger`));
    let armed: ArmedTrigger | undefined;
    if (triggerName === undefined) {
      if (own.length > 1) return Promise.reject(new Error(`${fn} has ${own.length} timer triggers (${own.map((a) => a.trigger.name).join(', ')}); name one`));
      armed = own[0];
    } else {
      armed = own.find((a) => a.trigger.name === triggerName);
      if (!armed) return Promise.reject(new Error(`${fn} has no timer trigger '${triggerName}'`));
    }
    if (!armed.trigger.enable)
      return Promise.reject(new Error(`${fn}: timer trigger '${armed.trigger.name}' is disabled (enable: false), so FC never fires it`));
    return this.fire(armed, this.clock.now());
  }

  private async fire({ spec, trigger }: ArmedTrigger, at: number): Promise<InvokeResult> {
    const key = triggerKey(spec.serviceName, spec.functionName, trigger.name);
    const requestId = randomUUID();
    const event = timerEvent(trigger.name, trigger.payload, at);
    const line = { service: 'fc', kind: 'timer', function: spec.functionName, trigger: trigger.name, triggerTime: triggerTime(at), requestId };
    if (this.running.has(key)) {
      const reason = 'the previous run of this trigger is still running';
      this.opts.log?.({ ...line, code: 'TimerSkipped', reason });
      throw new Error(`function ${spec.serviceName}/${spec.functionName}: timer trigger '${trigger.name}' skipped: ${reason}`);
    }
    this.running.add(key);
    const startedAt = Date.now();
    try {
      const result = await this.opts.invoke(spec, event, requestId);
      // A function error is FC's UnhandledInvocationError (what x-fc-error-type says for an invocation).
      const failure = result.ok ? {} : { code: 'UnhandledInvocationError', errorType: result.error.errorType, errorMessage: result.error.errorMessage };
      this.opts.log?.({ ...line, ms: Date.now() - startedAt, ...failure });
      return result;
    } catch (e) {
      // Not the function's failure but the emulator's (no role for the service, say).
      this.opts.log?.({
        ...line,
        ms: Date.now() - startedAt,
        code: (e as { code?: string }).code ?? 'InternalServerError',
        error: String((e as Error)?.stack ?? e),
      });
      throw e;
    } finally {
      this.running.delete(key);
    }
  }
}

const triggerKey = (serviceName: string, functionName: string, triggerName: string): string => `${serviceName}/${functionName}/${triggerName}`;
