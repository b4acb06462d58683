#!/usr/bin/env node
import * as ros from '@alicloud/ros-cdk-core';
import { ConfigError, readConfig } from '../lib/config';
import { buildApp } from '../lib/app';
import { loadAppContext } from '../lib/project-context';

try {
  // The project's own files, read from the cwd as the ros-cdk CLI reads them: the same context
  // whether the CLI, `npm run synth` or a bare `ts-node bin/app.ts` runs this.
  const context = loadAppContext(process.cwd(), { validate: (ctx) => readConfig((key) => ctx[key]) });
  // ros-cdk-core types context values as strings; the App keeps any JSON value (cdk.json may hold numbers).
  const app = new ros.App({ outdir: process.env.CDK_OUTDIR ?? './cdk.out', context: context as Record<string, string> });
  buildApp(app, readConfig).synth();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`synth failed: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
