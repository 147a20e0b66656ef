import type { Lang } from '../../i18n'
import { accountText } from './account'
import { common } from './common'
import { mailboxesText } from './mailboxes'
import { paymentText } from './payment'
import { signIn } from './sign-in'
import { wizardText } from './wizard'

// Every page area's texts, merged. Add an area: import its catalogue and spread it below.
const areas = [common, signIn, mailboxesText, wizardText, paymentText, accountText]

export const portalMessages: Record<Lang, Record<string, string>> = {
  it: Object.assign({}, ...areas.map((a) => a.it)),
  en: Object.assign({}, ...areas.map((a) => a.en)),
}
