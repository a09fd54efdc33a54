/** Credential sets: key names, masked values, age/overdue, users; rotation with live progress; add/remove. */
import { useEffect, useId, useState } from 'react';
import { useActions, useApp } from '../hooks.js';
import { Badge, Gate, Section } from '../components/bits.js';
import { ConfirmDialog } from '../components/dialog.js';
import { credentialProblem } from '../store/credentials-slice.js';
import { RotationProgress } from '../components/rotation.js';
import type { CredentialSet } from '../store/types.js';

/** The form for a new value: rotate an existing key (restart and health-gate) or add a key. */
function ValueForm({
  set,
  keyName,
  mode,
  onDone,
}: {
  set: CredentialSet;
  keyName?: string;
  mode: 'rotate' | 'add';
  onDone: () => void;
}) {
  const id = useId();
  const { rotate, setCredential } = useActions();
  const [key, setKey] = useState(keyName ?? '');
  const [value, setValue] = useState('');
  const [show, setShow] = useState(false);
  const [timeout, setTimeoutSec] = useState('60');
  const timeoutSec = Number(timeout);
  const timeoutOk = Number.isInteger(timeoutSec) && timeoutSec >= 5 && timeoutSec <= 600;
  const [touched, setTouched] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const problem = credentialProblem(key, value);
  const submit = () => {
    setConfirming(false);
    const v = value;
    setValue('');
    onDone();
    void (mode === 'rotate' ? rotate(set.set, key, v, timeoutSec) : setCredential(set.set, key, v));
  };
  return (
    <>
      <form
        className="value-form"
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (problem === null && (mode === 'add' || timeoutOk)) setConfirming(true);
        }}
        aria-label={mode === 'rotate' ? `Rotate ${keyName}` : `Add a key to ${set.set}`}
      >
        <label className="field" htmlFor={`${id}-key`}>
          <span>Key</span>
          <input
            id={`${id}-key`}
            value={key}
            onChange={(e) => setKey(e.target.value.toUpperCase())}
            readOnly={mode === 'rotate'}
            autoComplete="off"
            spellCheck={false}
            placeholder="OPENAI_API_KEY"
          />
        </label>
        <label className="field grow" htmlFor={`${id}-value`}>
          <span>New value</span>
          <input
            id={`${id}-value`}
            type={show ? 'text' : 'password'}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="new-password"
            spellCheck={false}
            aria-invalid={touched && problem !== null}
            aria-describedby={`${id}-problem`}
          />
        </label>
        {mode === 'rotate' && (
          <label className="field" htmlFor={`${id}-timeout`}>
            <span>Health wait (s)</span>
            <input
              id={`${id}-timeout`}
              type="number"
              min={5}
              max={600}
              value={timeout}
              onChange={(e) => setTimeoutSec(e.target.value)}
              aria-invalid={!timeoutOk}
              className="narrow"
            />
          </label>
        )}
        <label className="toggle">
          <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} />
          <span>Show</span>
        </label>
        <button type="submit" className="primary">
          {mode === 'rotate' ? 'Rotate…' : 'Add…'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <p id={`${id}-problem`} className="problem" role={touched && problem ? 'alert' : undefined}>
          {touched ? problem : ''}
        </p>
      </form>
      <ConfirmDialog
        open={confirming}
        title={mode === 'rotate' ? `Rotate ${set.set}/${key}?` : `Add ${key} to ${set.set}?`}
        confirmLabel={mode === 'rotate' ? 'Rotate now' : 'Add key'}
        onCancel={() => setConfirming(false)}
        onConfirm={submit}
      >
        {mode === 'rotate' ? (
          <p>
            Vigil writes the new value, restarts{' '}
            {set.services.length > 0 ? set.services.join(', ') : 'no service (none loads this set)'} and waits
            until {set.services.length === 1 ? 'it is' : 'they are'} healthy. If not, it rolls back to the
            current value.
          </p>
        ) : (
          <p>Services that load {set.set} see the key after their next restart.</p>
        )}
      </ConfirmDialog>
    </>
  );
}

function SetCard({ set }: { set: CredentialSet }) {
  const { removeCredential } = useActions();
  const [editing, setEditing] = useState<{ mode: 'rotate' | 'add'; key?: string } | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  return (
    <Section
      title={set.set}
      actions={
        <>
          {set.overdue && <Badge tone="warn">Rotation overdue</Badge>}
          <button type="button" onClick={() => setEditing({ mode: 'add' })}>
            Add key
          </button>
        </>
      }
    >
      <p className="muted small">
        {set.services.length > 0 ? `Used by ${set.services.join(', ')}` : 'Not used by any installed service'}
        {set.rotateAfterDays !== null ? ` · rotate every ${set.rotateAfterDays} days` : ''}
      </p>
      {set.problem && (
        <p className="problem" role="alert">
          {set.problem}
        </p>
      )}
      {set.keys.length === 0 ? (
        <p className="muted">{set.exists ? 'No keys yet.' : 'No file yet: add a key to create it.'}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Age</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {set.keys.map((k) => (
              <tr key={k.key}>
                <td>
                  <code>{k.key}</code>
                </td>
                <td>
                  <code className="masked">{k.masked}</code>
                </td>
                <td>
                  {k.ageDays === null ? '—' : `${k.ageDays} day${k.ageDays === 1 ? '' : 's'}`}{' '}
                  {k.overdue && <Badge tone="warn">overdue</Badge>}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() => setEditing({ mode: 'rotate', key: k.key })}
                    aria-label={`Rotate ${k.key}`}
                  >
                    Rotate
                  </button>
                  <button
                    type="button"
                    className="danger-outline"
                    onClick={() => setRemoving(k.key)}
                    aria-label={`Remove ${k.key}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <ValueForm
          set={set}
          mode={editing.mode}
          {...(editing.key ? { keyName: editing.key } : {})}
          onDone={() => setEditing(null)}
        />
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing ?? ''} from ${set.set}?`}
        confirmLabel="Remove"
        danger
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const k = removing!;
          setRemoving(null);
          void removeCredential(set.set, k);
        }}
      >
        <p>
          Services that load this set lose the key at their next restart. The previous version is kept for
          rollback.
        </p>
      </ConfirmDialog>
    </Section>
  );
}

export function Credentials() {
  const state = useApp((s) => s.credentialsState);
  const sets = useApp((s) => s.credentialSets);
  const { loadCredentials } = useActions();
  useEffect(() => {
    void loadCredentials();
  }, [loadCredentials]);
  return (
    <div className="stack">
      <h1 className="view-title">Credentials</h1>
      <RotationProgress />
      <Gate state={state} feature="Credentials" onRetry={() => void loadCredentials()}>
        {sets.length === 0 ? (
          <p className="muted">
            No credential sets. Add one with <code>vigil secrets set SET KEY</code>.
          </p>
        ) : (
          sets.map((s) => <SetCard key={s.set} set={s} />)
        )}
      </Gate>
    </div>
  );
}
