/**
 * The one spelling of what someone types to say who they are — an account ID, a mailbox address,
 * an operator's username — under which it is looked up, stored and counted by the sign-in guard.
 * NFKC first, so compatibility forms fold into plain letters (the long s `ſ` is `s`, full-width
 * `ＦＮＯＭ` is `fnom`), then one case mapping, lower case, and nothing else: no second mapping
 * that could join what this one keeps apart (`ı`.toUpperCase() is `I`, so an upper-case lookup
 * would make the dotless `SıST0002` reach SIST0002 while counting under another key).
 * Idempotent: the spelling of a stored spelling is itself.
 */
export function normaliseIdentifier(typed: string): string {
  return typed.normalize('NFKC').trim().toLowerCase()
}
