import type { HolderSession } from '../accounts/sessions'
import type { Deps } from '../deps'
import { saveDraft } from './queries'
import type { DraftChoices } from './wizard-rules'

/**
 * Issue 3: keeps one step's choices in the holder's draft for a mailbox (the other steps' stay), so
 * the wizard resumes where they left. The caller has shown the step, so the mailbox is theirs.
 */
export async function saveDraftChoices(deps: Deps, holder: HolderSession, mailboxId: number, choices: DraftChoices): Promise<void> {
  await saveDraft(deps.db, holder.accountId, mailboxId, choices, deps.clock.now())
}
