/**
 * The port to the servers that run the mailboxes (R5, R6, R12): disable at deactivation, enable
 * when a late payment reactivates, delete at cessation, and the state the platform holds, for the
 * drift check. Commands are queued in provisioning_commands in the transaction of the state change
 * and delivered afterwards (deliver-commands.ts), so a platform outage loses nothing.
 */
export interface MailPlatform {
  readonly name: 'sql' | 'http' | 'simulated'
  /**
   * Carries out one command. The same idempotency key may come again (a worker stopped between
   * the call and recording it): the platform must then do nothing more. Throws
   * PermanentPlatformError when retrying cannot help; any other error is retried later.
   */
  apply(command: PlatformCommand): Promise<void>
  /** What the platform holds for a mailbox now. */
  status(address: string): Promise<PlatformState>
}

/** Deactivated: `off` (no login, incoming mail refused) or `receive-only` (mail delivered, no login). */
export type DeactivationMode = 'off' | 'receive-only'

export type PlatformCommand = { address: string; idempotencyKey: string } & (
  | { action: 'disable'; mode: DeactivationMode }
  | { action: 'enable' }
  | { action: 'delete' }
)

/** A mailbox on the platform: usable, deactivated in one of the two modes, or not there at all. */
export type PlatformState = 'active' | DeactivationMode | 'absent'

/** The state a command leaves the mailbox in. */
export function stateAfter(command: PlatformCommand): PlatformState {
  if (command.action === 'disable') return command.mode
  return command.action === 'enable' ? 'active' : 'absent'
}

/** A refusal retrying cannot change (the platform does not know the mailbox, rejects the request). */
export class PermanentPlatformError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PermanentPlatformError'
  }
}

/**
 * Demo mode only (R10): no platform at all. Each command is written to the log and remembered in
 * this process, so `status` answers what was "applied" (a mailbox never commanded counts as active).
 * A simulation, and it says so in every line it writes.
 */
export function simulatedMailPlatform(log: (line: string) => void): MailPlatform {
  const states = new Map<string, PlatformState>()
  return {
    name: 'simulated',
    async apply(command) {
      log(`[mail platform simulation, demo only] ${command.action}${command.action === 'disable' ? ` (${command.mode})` : ''} ${command.address}`)
      states.set(command.address, stateAfter(command))
    },
    async status(address) {
      return states.get(address) ?? 'active'
    },
  }
}
