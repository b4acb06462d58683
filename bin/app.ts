#!/usr/bin/env node
import * as ros from '@alicloud/ros-cdk-core';
import { ConfigError, readConfig } from '../lib/config';
import { buildApp } from '../lib/app';

try {
  buildApp(new ros.App({ outdir: process.env.CDK_OUTDIR ?? './cdk.out' }), readConfig).synth();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`synth failed: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
