import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RosTemplate } from './ros/deploy';

export interface CloudAssembly {
  outdir: string;
  stackName: string;
  template: RosTemplate;
  /** OSS object key (`<hash>.zip`) → the staged asset directory that `ros-cdk deploy` would zip. */
  assetDirs: Map<string, string>;
  /** The OSS buckets `ros-cdk deploy` uploads the assets to, as named in the manifest (with `${ALIYUN::Region}`). */
  assetBuckets: string[];
}

/** Reads the one stack of a synthesized app from `outdir` (cdk.out). */
export function readCloudAssembly(outdir: string): CloudAssembly {
  const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  if (templates.length !== 1) throw new Error(`expected one stack template in ${outdir}, found ${templates.length}; run npm run synth`);
  const stackName = templates[0].replace(/\.template\.json$/, '');
  const template = JSON.parse(fs.readFileSync(path.join(outdir, templates[0]), 'utf8')) as RosTemplate;
  const assets = JSON.parse(fs.readFileSync(path.join(outdir, `${stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string; bucketName: string }> }>;
  };
  const assetDirs = new Map<string, string>();
  const assetBuckets = new Set<string>();
  for (const file of Object.values(assets.files)) {
    for (const d of Object.values(file.destinations)) {
      assetBuckets.add(d.bucketName);
      if (file.source.packaging === 'zip') assetDirs.set(d.objectKey, path.join(outdir, file.source.path));
    }
  }
  return { outdir, stackName, template, assetDirs, assetBuckets: [...assetBuckets] };
}
