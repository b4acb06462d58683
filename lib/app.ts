import * as ros from '@alicloud/ros-cdk-core';
import { StackConfig } from './config';
import { MiniAppStack } from './miniapp-stack';

export const STACK_ID = 'MiniAppStack';

/**
 * Adds the stack to an app. `readConfig` turns the app's context into a checked StackConfig.
 * A fixed synthesizer qualifier (see StackConfig.assetQualifier) keeps synth deterministic.
 */
export function buildApp(app: ros.App, readConfig: (ctx: (key: string) => unknown) => StackConfig): ros.App {
  const config = readConfig((key) => app.node.tryGetContext(key));
  new MiniAppStack(app, STACK_ID, {
    config,
    synthesizer: new ros.DefaultStackSynthesizer({ qualifier: config.assetQualifier }),
  });
  return app;
}
