/**
 * The port to the servers that run the mailboxes (R5, R6): disable at deactivation, enable when a
 * late payment reactivates, delete at cessation. Commands are queued in provisioning_commands in
 * the transaction of the state change and delivered afterwards, so a platform outage loses nothing.
 */
export interface MailPlatform {
  readonly name: string
  apply(command: { action: 'disable' | 'enable' | 'delete'; address: string }): Promise<void>
}

/**
 * The embedded default: no platform configured, so each command is written to the log and marked
 * done. A simulation, and it says so in every line it writes.
 */
export function loggingMailPlatform(log: (line: string) => void): MailPlatform {
  return {
    name: 'simulated',
    async apply({ action, address }) {
      log(`[mail platform simulation] ${action} ${address}`)
    },
  }
}
