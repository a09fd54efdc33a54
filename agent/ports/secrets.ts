/**
 * Read access to the credential store for the agent's own secrets (webhook URLs, bot tokens): a credential
 * set is a group of KEY=value secrets ($VIGIL_HOME/credentials/<set>.env). Values never reach logs,
 * the database, events or API responses.
 */
export interface SecretSource {
  /** The value of `key` in credential set `set`, or undefined. Read fresh on every call (rotations apply at once). */
  get(set: string, key: string): Promise<string | undefined>;
}
