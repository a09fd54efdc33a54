/**
 * The manifest text `vigil import` writes: the services with their keys, a comment above each naming
 * its source file and line, and one comment line per thing that could not be mapped (file:line: what).
 * Pure (the yaml package's Document API, so comments and flow-style argv are placed by it).
 */
import { Document, isMap, isPair, isScalar, isSeq, type Pair } from 'yaml';
import type { ManifestService } from './assemble.js';

export function emitManifest(services: ManifestService[], sources: string[], secretSets: string[]): string {
  const doc = new Document({
    version: 1,
    services: Object.fromEntries(services.map((s) => [s.name, s.body])),
  });
  const header = [
    ` Written by vigil import from ${sources.join(', ')}.`,
    ' Check it, then run: vigil apply',
    ...(secretSets.length > 0
      ? [
          ` Secrets are in the credential store (vigil secrets list): ${secretSets.join(', ')}; no value is written here.`,
        ]
      : []),
  ];
  doc.commentBefore = header.join('\n');
  const top = doc.contents;
  const svcMap = isMap(top) ? top.get('services', true) : null;
  if (isMap(svcMap)) {
    for (const pair of svcMap.items as Pair[]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      const svc = services.find((s) => s.name === name);
      if (!svc || !isScalar(pair.key)) continue;
      pair.key.commentBefore = [
        ` from ${svc.source}`,
        ...svc.notes.map(
          (n) => ` not mapped: ${n.line === null ? n.file : `${n.file}:${n.line}`}: ${oneLine(n.message)}`,
        ),
      ].join('\n');
      if (isMap(pair.value))
        for (const item of pair.value.items) {
          if (!isPair(item)) continue;
          const key = isScalar(item.key) ? item.key.value : '';
          if (key === 'command' && isSeq(item.value)) item.value.flow = true;
          if (key === 'credentials' && isSeq(item.value)) item.value.flow = true;
          if (key === 'health' && isMap(item.value)) {
            const exec = item.value.get('exec', true);
            if (isSeq(exec)) exec.flow = true;
          }
        }
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
