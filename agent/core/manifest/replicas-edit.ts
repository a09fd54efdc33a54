/**
 * `vigil scale` writes the new count into the manifest, so that the next `vigil apply` keeps it: the YAML
 * document is edited in place (comments and the other keys as written). Pure.
 */
import { isMap, parseDocument } from 'yaml';
import { VigilError } from '../errors.js';

/** The manifest text with `services.<name>.replicas` set to `count` (added after `command:` when absent). */
export function setReplicasInText(text: string, name: string, count: number): string {
  const doc = parseDocument(text);
  const svc = doc.getIn(['services', name], true);
  if (!isMap(svc))
    throw new VigilError('E_UNKNOWN_SERVICE', `the manifest has no service "${name}" to scale`);
  if (svc.has('replicas')) svc.set('replicas', count);
  else {
    // First among the service's keys, where a reader looks for it.
    svc.set('replicas', count);
    const added = svc.items.pop();
    if (added) svc.items.unshift(added);
  }
  return doc.toString({ lineWidth: 0 });
}
