import * as ros from '@alicloud/ros-cdk-core';
import { StackConfig } from './config';
import { MiniAppStack } from './miniapp-stack';

export const STACK_ID = 'MiniAppStack';

/**
 * Adds the stack to an app. `readConfig` turns the app's context into a checked StackConfig.
 * The synthesizer qualifier comes from that context (see StackConfig.assetQualifier): fixed per
 * project, so synth is deterministic, and unique per deployer, so no two share an asset bucket.
 */
export function buildApp(app: ros.App, readConfig: (ctx: (key: string) => unknown) => StackConfig): ros.App {
  const config = readConfig((key) => app.node.tryGetContext(key));
  new MiniAppStack(app, STACK_ID, {
    config,
    synthesizer: new ros.DefaultStackSynthesizer({ qualifier: config.assetQualifier }),
  });
  return app;
}
