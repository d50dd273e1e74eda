/** The environment KMS signers read (VAULT_ADDR, GOOGLE_APPLICATION_CREDENTIALS, …); injectable for tests. */
export type KmsEnv = Readonly<Record<string, string | undefined>>;
