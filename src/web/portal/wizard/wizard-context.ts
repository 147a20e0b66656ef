import type { FastifyReply, FastifyRequest } from 'fastify'
import { showWizardStep, type WizardView } from '../../../renewals/show-wizard-step'
import { WIZARD_STEPS, type WizardStep } from '../../../renewals/wizard-rules'
import type { Services } from '../../../services'

/** The wizard's steps as the URL names them: /rinnovo/:mailboxId/durata … /riepilogo. */
export const STEP_SLUGS: Record<WizardStep, string> = {
  duration: 'durata',
  contracts: 'contratti',
  billing: 'fatturazione',
  payment: 'pagamento',
  summary: 'riepilogo',
}

export function stepUrl(mailboxId: number, step: WizardStep): string {
  return `/rinnovo/${mailboxId}/${STEP_SLUGS[step]}`
}

export type WizardContext = WizardView

/** Reads :mailboxId as the holder's own mailbox (ownership in the query); null for anything else. */
export function mailboxIdParam(request: FastifyRequest): number | null {
  const raw = (request.params as { mailboxId?: string }).mailboxId ?? ''
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null
}

/**
 * Shows `step` through showWizardStep, or answers for it: 404 for a mailbox the holder cannot see,
 * a notice when the mailbox can no longer be renewed (R6), the open order's page when the wizard
 * is over (R3), and the first missing step when `step` is ahead of what is done.
 */
export async function loadWizard(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  step: WizardStep | null,
): Promise<WizardContext | null> {
  const outcome = await showWizardStep(services.deps, request.holder!, mailboxIdParam(request), step)
  switch (outcome.kind) {
    case 'show':
      return outcome.view
    case 'not_found':
      await reply.refuse('page_not_found')
      return null
    case 'order_placed':
      await reply.redirect(`/ordini/${outcome.orderId}`, 303)
      return null
    case 'not_renewable':
      await reply.page('shared/error.eta', { message: request.t('wizard.notRenewable', { mailbox: outcome.mailboxAddress }) }, 409)
      return null
    case 'go_to_step':
      await reply.redirect(stepUrl(outcome.mailboxId, outcome.step), 303)
      return null
  }
}

/** The steps nav: done steps are links, the current one says so (aria-current="step"). */
export function stepsNav(request: FastifyRequest, context: WizardContext, current: WizardStep) {
  const reachable = context.reachableStep
  return WIZARD_STEPS.map((step, index) => ({
    label: request.t(`wizard.step.${step}`),
    number: index + 1,
    current: step === current,
    href: step !== current && index <= WIZARD_STEPS.indexOf(reachable) ? stepUrl(context.mailbox.id, step) : null,
  }))
}

/** Set on the summary's "Modifica" links: the changed step then leads back to the summary. */
export const FROM_SUMMARY = 'da=riepilogo'

export function cameFromSummary(request: FastifyRequest): boolean {
  return (request.query as Record<string, unknown> | undefined)?.da === 'riepilogo'
}

/** Where a step goes once saved: the next step, or straight back to the summary it was changed from. */
export function stepDoneUrl(request: FastifyRequest, context: WizardContext, next: WizardStep): string {
  return stepUrl(context.mailbox.id, cameFromSummary(request) ? 'summary' : next)
}

/** The frame every step view shares. */
export function stepView(request: FastifyRequest, context: WizardContext, step: WizardStep, view: Record<string, unknown>) {
  const index = WIZARD_STEPS.indexOf(step)
  const fromSummary = cameFromSummary(request) && step !== 'summary'
  return {
    title: `${request.t(`wizard.step.${step}`)} — ${request.t('wizard.title', { mailbox: context.mailbox.address })}`,
    heading: request.t('wizard.title', { mailbox: context.mailbox.address }),
    stepTitle: request.t(`wizard.step.${step}`),
    stepOf: request.t('wizard.stepOf', { n: index + 1, total: WIZARD_STEPS.length }),
    steps: stepsNav(request, context, step),
    action: stepUrl(context.mailbox.id, step) + (fromSummary ? `?${FROM_SUMMARY}` : ''),
    backUrl: fromSummary ? stepUrl(context.mailbox.id, 'summary') : index > 0 ? stepUrl(context.mailbox.id, WIZARD_STEPS[index - 1]) : '/caselle',
    fromSummary,
    ...view,
  }
}
